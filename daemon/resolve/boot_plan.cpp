// From the root's configuration to a module graph, the same way for daemon and plan.
#include "resolve/boot_plan.h"

#include "config/kernel_cmdline.h"
#include "config/modules_load_d.h"
#include "resolve/live_modules.h"
#include "resolve/module_index.h"

namespace modloadd {

std::optional<BootPlan> makeBootPlan(const BootPlanInputs &in, std::string &error)
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

	auto index = ModuleIndex::open(in.root, plan.tree, error);
	if (!index)
		return std::nullopt;

	ResolveOptions options;
	options.blacklist.insert(cmdline.blacklist.begin(), cmdline.blacklist.end());
	options.forbidden.insert(cmdline.forbidden.begin(), cmdline.forbidden.end());
	options.live = readLiveModules(in.root);
	options.allowInstallCommands = in.allowInstallCommands;
	plan.graph = buildModuleGraph(*index, plan.requests, options);
	return plan;
}

} // namespace modloadd
