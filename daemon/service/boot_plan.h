// The steps from a root's configuration to requests, one object for a boot: the daemon takes
// them over time (the static lists at once, devices as they are found, rules as they come to
// hold), `modloadctl plan` takes them all at once. One route, so the plan cannot drift from what
// the daemon does.
#pragma once

#include "base/request.h"
#include "base/result.h"
#include "report/plan_output.h"
#include "resolve/resolver.h"
#include "rules/device_conditions.h"
#include "rules/rule_book.h"
#include "rules/rule_plan.h"
#include "system/kernel_tree.h"
#include "uevent/uevent.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace modloadd {

struct BootInputs {
	std::string root = "/";
	std::optional<std::string> kernel; // version; default: the only one, else uname -r
	bool allowInstallCommands = false;
	std::vector<DenyGlob> denyModules = {}; // [Devices] DenyModules=
};

// Main thread only (libkmod).
class BootPlanner {
public:
	// Finds the kernel's module tree, opens its index, reads the kernel command line,
	// modules-load.d and the rules. Fails when there is no module tree or the index will not
	// open; problems in configuration files are diagnostics, their lines skipped.
	static Result<BootPlanner> open(const BootInputs &inputs);

	// Step 1, the static lists: the command line's modules first, then modules-load.d (as
	// systemd-modules-load).
	const std::vector<Request> &staticRequests() const { return static_; }

	// Step 2, a device seen (coldplug, hotplug, rescan): recorded for the rules' device
	// conditions (a "remove" forgets it), its requests appended to REQUESTS. Returns whether
	// a device appeared that a device condition can see.
	bool takeDevice(const Uevent &device, std::vector<Request> &requests);
	// Before a rescan: lost events may have removed devices too.
	void forgetDevices() { devices_.clear(); }

	// Step 3, the rules in SCOPE that hold now and have not fired yet, now fired (copies);
	// then the requests of each, its names and globs expanded over the index (the modules a
	// rule names that are not installed are notices). The daemon tests the rules off the loop
	// once it runs (service/rule_tests.h): takeRules() hands them over, and the planner's
	// own rule steps are then gone.
	std::vector<Rule> fireRules(RuleScope scope);
	std::vector<Request> requestsOf(const Rule &rule, Diagnostics &notices);
	// For a plan: every rule's verdict now, with the requests of those that hold; nothing is
	// fired.
	std::vector<RuleOutcome> ruleVerdicts();
	std::unique_ptr<RuleBook> takeRules() { return std::move(rules_); }
	// What the device conditions see.
	const DeviceSet &devices() const { return devices_; }

	// What a reload reads again: modules-load.d and the rules of ROOT (any thread: thousands
	// of files take long).
	struct Reread {
		std::vector<Request> requests;
		std::vector<Rule> rules;
		Diagnostics diagnostics;
	};
	static Reread readAgain(const std::string &root);

	// The problems found in the configuration read so far, handed over once.
	Diagnostics takeDiagnostics() { return std::exchange(diagnostics_, {}); }

	const std::string &root() const { return root_; }
	const KernelTree &tree() const { return tree_; }
	Resolver &resolver() { return resolver_; }

private:
	BootPlanner(std::string root, KernelTree tree, Resolver resolver,
		    std::unique_ptr<RuleBook> rules)
	    : root_(std::move(root)), tree_(std::move(tree)), resolver_(std::move(resolver)),
	      rules_(std::move(rules))
	{
	}

	std::string root_;
	KernelTree tree_;
	Resolver resolver_;
	std::unique_ptr<RuleBook> rules_; // until takeRules()
	DeviceSet devices_;		  // what the device conditions see
	std::vector<Request> static_;
	Diagnostics diagnostics_;
};

// The daemon's start as far as it reads: the planner opened, and the rules about the machine
// alone tested and those that hold fired. A thread may do it (it reads no more than its inputs
// and hands the planner over whole), so that reading thousands of files, or a condition that
// reads slowly, does not hold up the event loop.
struct StartedBoot {
	Result<BootPlanner> planner;
	std::vector<Rule> machineRules; // those that hold
};
StartedBoot startBoot(const BootInputs &inputs);

// The dry run of a boot through the same steps: the static lists, the devices under ROOT
// (when DEVICES), every rule's verdict, and the graph of all of their requests.
Result<BootPlan> makeBootPlan(const BootInputs &inputs, bool devices);

} // namespace modloadd
