// Tests for systemd's architecture names of uname -m.
#include <catch2/catch.hpp>

#include "system/architecture.h"

using namespace modloadd;

TEST_CASE("given uname -m of many machines, we should name them as systemd does", "[architecture]")
{
	CHECK(architectureOfMachine("x86_64") == "x86-64");
	CHECK(architectureOfMachine("i686") == "x86");
	CHECK(architectureOfMachine("armv7l") == "arm");
	CHECK(architectureOfMachine("armv5tejb") == "arm-be");
	CHECK(architectureOfMachine("ppc64le") == "ppc64-le");
	CHECK(architectureOfMachine("riscv64") == "riscv64");
	CHECK(architectureOfMachine("s390x") == "s390x");
	CHECK_FALSE(architectureOfMachine("vax"));
}
