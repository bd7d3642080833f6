// From the root's configuration to requests and a module graph, the same way for daemon and plan.
#include "service/boot_plan.h"

#include "config/kernel_cmdline.h"
#include "config/modules_load_d.h"
#include "rules/rule_file.h"
#include "system/modules_disabled.h"
#include "uevent/coldplug.h"
#include "uevent/device_requests.h"

namespace modloadd {

namespace {

// The catalog the rules expand their names and globs over: the modules of the index's
// modules.dep, and the names and aliases it resolves.
ModuleCatalog moduleCatalog(ModuleIndex &index)
{
	return {[&index] { return index.allModules(); },
		[&index](const std::string &name) {
			auto found = index.lookup(name);
			return found && !found->empty();
		}};
}

} // namespace

Result<BootPlanner> BootPlanner::open(const BootInputs &in)
{
	auto tree = findKernelTree(in.root, in.kernel);
	if (!tree)
		return tree.error();

	// systemd-modules-load takes the command line's modules first, then the files.
	Diagnostics diags;
	KernelCmdline cmdline;
	if (auto text = readKernelCmdline(in.root))
		cmdline = parseKernelCmdline(*text, inInitrd(in.root), diags);
	std::vector<Request> requests = cmdline.modulesLoad;
	for (Request &r : readModulesLoadD(in.root, diags))
		requests.push_back(std::move(r));

	auto index = ModuleIndex::open(in.root, *tree);
	if (!index)
		return index.error();
	ResolveOptions options;
	options.blacklist.insert(cmdline.blacklist.begin(), cmdline.blacklist.end());
	options.forbidden.insert(cmdline.forbidden.begin(), cmdline.forbidden.end());
	options.allowInstallCommands = in.allowInstallCommands;
	options.denyForDevices = in.denyModules;

	auto rules = std::make_unique<RuleBook>(readRules(in.root, diags), in.root);
	BootPlanner planner(in.root, std::move(*tree),
			    Resolver(std::move(*index), std::move(options)), std::move(rules));
	planner.static_ = std::move(requests);
	planner.diagnostics_ = std::move(diags);
	return planner;
}

bool BootPlanner::takeDevice(const Uevent &device, std::vector<Request> &requests)
{
	bool appeared = devices_.apply(device);
	for (Request &r : requestsForDevice(device))
		requests.push_back(std::move(r));
	return appeared;
}

std::vector<Rule> BootPlanner::fireRules(RuleScope scope)
{
	std::vector<Rule> fired;
	for (const Rule *rule : rules_->fire(devices_, scope))
		fired.push_back(*rule);
	return fired;
}

std::vector<Request> BootPlanner::requestsOf(const Rule &rule, Diagnostics &notices)
{
	return RuleBook::requests(rule, moduleCatalog(resolver_.index()), notices);
}

std::vector<RuleOutcome> BootPlanner::ruleVerdicts()
{
	return evaluateRules(*rules_, devices_, moduleCatalog(resolver_.index()));
}

BootPlanner::Reread BootPlanner::readAgain(const std::string &root)
{
	Reread read;
	read.requests = readModulesLoadD(root, read.diagnostics);
	read.rules = readRules(root, read.diagnostics);
	return read;
}

StartedBoot startBoot(const BootInputs &inputs)
{
	StartedBoot started{BootPlanner::open(inputs), {}};
	if (started.planner)
		started.machineRules = started.planner->fireRules(RuleScope::MachineOnly);
	return started;
}

Result<BootPlan> makeBootPlan(const BootInputs &inputs, bool devices)
{
	auto planner = BootPlanner::open(inputs);
	if (!planner)
		return planner.error();
	BootPlan plan;
	plan.tree = planner->tree();
	plan.requests = planner->staticRequests();
	// One walk of sysfs serves both: the devices' own requests, and what the device
	// conditions of the rules see.
	if (devices) {
		size_t before = plan.requests.size();
		for (const Uevent &device : scanDevices(inputs.root))
			planner->takeDevice(device, plan.requests);
		plan.deviceRequests = plan.requests.size() - before;
	}
	// The rules last, tested as the daemon tests them once coldplug is through.
	plan.rules = planner->ruleVerdicts();
	for (const RuleOutcome &o : plan.rules) {
		plan.requests.insert(plan.requests.end(), o.requests.begin(), o.requests.end());
		plan.ruleRequests += o.requests.size();
	}
	plan.graph = planner->resolver().graph(plan.requests);
	plan.depmodLag = planner->resolver().index().depmodLag();
	plan.diagnostics = planner->takeDiagnostics();
	// The daemon would load none of it (service/without_modules.h).
	if (modulesDisabled(inputs.root))
		plan.diagnostics.push_back(
			{std::string(kModulesDisabledPath), 0,
			 "module loading is disabled (modules_disabled=1): the kernel refuses "
			 "every module until the next boot, so modloadd loads none of these"});
	return plan;
}

} // namespace modloadd
