// Main of the module-tree tests: skip (77) when the tools that build or judge trees are missing.
#define CATCH_CONFIG_RUNNER
#include "tree_support.h"

#include <catch2/catch.hpp>

int main(int argc, char **argv)
{
	modloadd::testing::requireTools({"cc", "depmod", "modprobe"});
	return Catch::Session().run(argc, argv);
}
