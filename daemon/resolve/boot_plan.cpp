// From the root's configuration to a module graph, the same way for daemon and plan.
#include "resolve/boot_plan.h"

#include "config/kernel_cmdline.h"
#include "config/modules_load_d.h"
#include "system/live_modules.h"
#include "resolve/module_index.h"
#include "rules/rule_file.h"
#include "uevent/coldplug.h"
#include "uevent/device_requests.h"

namespace modloadd {

std::optional<BootPlan> readBootSources(const BootPlanInputs &in, std::string &error)
{
	BootPlan plan;
	auto tree = findKernelTree(in.root, in.kernel, error);
	if (!tree)
		return std::nullopt;
	plan.tree = *tree;

	// systemd-modules-load takes the command line's modules first, then the files.
	KernelCmdline cmdline;
	if (auto text = readKernelCmdline(in.root))
		cmdline = parseKernelCmdline(*text, inInitrd(in.root), plan.diagnostics);
	plan.requests = cmdline.modulesLoad;
	for (Request &r : readModulesLoadD(in.root, plan.diagnostics))
		plan.requests.push_back(std::move(r));
	// One walk of sysfs serves both: the devices' own requests, and what the device
	// conditions of the rules see.
	DeviceSet devices;
	if (in.devices) {
		for (const Uevent &device : scanDevices(in.root)) {
			if (in.rules)
				devices.apply(device);
			for (Request &r : requestsForDevice(device)) {
				plan.requests.push_back(std::move(r));
				plan.deviceRequests++;
			}
		}
	}

	plan.index = ModuleIndex::open(in.root, plan.tree, error);
	if (!plan.index)
		return std::nullopt;

	// The rules last: their globs expand over the index.
	if (in.rules) {
		RuleBook book(readRules(in.root, plan.diagnostics), in.root);
		plan.rules = evaluateRules(book, devices, moduleCatalog(*plan.index));
		for (const RuleOutcome &o : plan.rules) {
			plan.requests.insert(plan.requests.end(), o.requests.begin(),
					     o.requests.end());
			plan.ruleRequests += o.requests.size();
		}
	}

	plan.options.blacklist.insert(cmdline.blacklist.begin(), cmdline.blacklist.end());
	plan.options.forbidden.insert(cmdline.forbidden.begin(), cmdline.forbidden.end());
	plan.options.live = readLiveModules(in.root);
	plan.options.allowInstallCommands = in.allowInstallCommands;
	return plan;
}

std::optional<BootPlan> makeBootPlan(const BootPlanInputs &in, std::string &error)
{
	auto plan = readBootSources(in, error);
	if (plan)
		plan->graph = buildModuleGraph(*plan->index, plan->requests, plan->options);
	return plan;
}

} // namespace modloadd
