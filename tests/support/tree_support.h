// Test support for module-tree tests: temporary roots, fixture trees, modprobe's answers.
#pragma once

#include "resolve/module_graph.h"
#include "temp_tree.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace modloadd::testing {

using TempDir = TempTree;

// Runs a shell command; returns its stdout and sets `status` to its exit status.
std::string capture(const std::string &command, int &status);

// Exit 77 (skip) unless every tool is on PATH (or in /sbin, /usr/sbin).
void requireTools(const std::vector<std::string> &tools);

// The fixture tree built once per test process from tests/fixtures (compiled with cc -c, indexed
// by depmod -b); the root directory. Version kFixtureKernel.
inline constexpr const char *kFixtureKernel = "6.1.0-fixture";
const std::string &fixtureRoot();

// A root of its own (/etc, /proc, ...) whose lib/modules is the fixture tree's.
struct FixtureRoot {
	TempDir dir;
	FixtureRoot();
};

// What `modprobe --show-depends` would do for one name, with modprobe.d from `configDir`.
struct ModprobeAnswer {
	int status = 0;
	std::vector<std::string> inserts; // module names, in modprobe's order
	std::set<std::string> builtins;
	std::string output;
};
ModprobeAnswer modprobeShowDepends(const std::string &root, const std::string &version,
				   const std::string &configDir, const std::string &name,
				   bool useBlacklist);

// Names of the modules the graph inserts / finds builtin.
std::set<std::string> withAction(const ModuleGraph &graph, Action action);

// Every hard and soft edge points to an earlier module: the order is a valid load order.
bool isLoadOrder(const ModuleGraph &graph);

} // namespace modloadd::testing
