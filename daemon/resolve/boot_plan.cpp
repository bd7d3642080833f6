// From the root's configuration to a module graph, the same way for daemon and plan.
#include "resolve/boot_plan.h"

#include "config/kernel_cmdline.h"
#include "config/modules_load_d.h"
#include "resolve/live_modules.h"
#include "resolve/module_index.h"
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
	if (in.devices) {
		std::vector<Request> devices = devicesPresent(in.root);
		plan.deviceRequests = devices.size();
		for (Request &r : devices)
			plan.requests.push_back(std::move(r));
	}

	plan.index = ModuleIndex::open(in.root, plan.tree, error);
	if (!plan.index)
		return std::nullopt;

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
