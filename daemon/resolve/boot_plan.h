// The static part of a boot, resolved: what modules-load.d and the command line ask of this
// kernel, and for `modloadctl plan` the devices present and the rules. Shared by the daemon and
// `modloadctl plan`, which differ only in the backend.
#pragma once

#include "base/request.h"
#include "system/kernel_tree.h"
#include "resolve/module_graph.h"
#include "rules/rule_plan.h"

#include <optional>
#include <string>

namespace modloadd {

struct BootPlanInputs {
	std::string root = "/";
	std::optional<std::string> kernel; // version; default: the only one, else uname -r
	bool allowInstallCommands = false;
	bool devices = false; // also the devices present under ROOT/sys/devices (coldplug)
	// Also the rules of ROOT's modloadd/rules.d, each tested as the daemon tests it once
	// coldplug is through: machine facts from ROOT, the devices above (none without them).
	bool rules = false;
};

struct BootPlan {
	KernelTree tree;
	// Command line first, then modules-load.d (as systemd), then the devices present, then
	// the rules that hold.
	std::vector<Request> requests;
	size_t deviceRequests = 0;	// how many of them came from devices
	size_t ruleRequests = 0;	// how many from rules
	std::vector<RuleOutcome> rules; // every valid rule, in order, with its verdict
	ModuleGraph graph;
	Diagnostics diagnostics; // configuration problems (rule files' too), each already skipped
	// What the graph was resolved with, for the requests that come later (devices).
	std::optional<ModuleIndex> index;
	ResolveOptions options;
};

// The sources read and the index opened, the graph still empty: the daemon resolves the static
// requests together with the devices present. On failure (no module tree, unreadable indexes)
// returns nullopt and says why in `error`.
std::optional<BootPlan> readBootSources(const BootPlanInputs &in, std::string &error);

// readBootSources(), then the graph of its requests.
std::optional<BootPlan> makeBootPlan(const BootPlanInputs &in, std::string &error);

} // namespace modloadd
