// `modloadctl plan` output: a table for people, one JSON object for programs.
#pragma once

#include "base/request.h"
#include "resolve/module_graph.h"
#include "rules/rule_plan.h"
#include "system/kernel_tree.h"

#include <string>
#include <vector>

namespace modloadd {

// A dry run of a boot, as `modloadctl plan` shows it.
struct BootPlan {
	KernelTree tree;
	// Command line first, then modules-load.d (as systemd), then the devices present, then
	// the rules that hold.
	std::vector<Request> requests;
	size_t deviceRequests = 0;	// how many of them came from devices
	size_t ruleRequests = 0;	// how many from rules
	std::vector<RuleOutcome> rules; // every valid rule, in order, with its verdict
	ModuleGraph graph;		// in load order
	Diagnostics diagnostics; // configuration problems (rule files' too), each already skipped
	DepmodLag depmodLag;	 // what the resolution found changed since depmod ran
};

// A lagging depmod as one warning about the tree's modules.dep, naming what changed and the fix
// (`depmod -a VERSION`): what the plan prints, and the daemon journals once.
Diagnostic depmodWarning(const KernelTree &tree, const DepmodLag &lag);

// The modules in load order; then, when there are rules, a "Rules" section with each rule's
// verdict and the modules it adds; a summary line and the warnings (the configuration's, then
// a lagging depmod's).
std::string planTable(const BootPlan &plan);

// {"kernel": "...", "modules": [{"name", "action", "path", "origins", "after", ...}],
//  "rules": [{"name", "file", "description", "fires", "why", "modules", "notices"}], ...}
std::string planJson(const BootPlan &plan);

} // namespace modloadd
