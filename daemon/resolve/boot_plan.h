// The static part of a boot, resolved: what modules-load.d and the command line ask of this
// kernel. Shared by the daemon and `modloadctl plan`, which differ only in the backend.
#pragma once

#include "config/request.h"
#include "resolve/kernel_tree.h"
#include "resolve/module_graph.h"

#include <optional>
#include <string>

namespace modloadd {

struct BootPlanInputs {
	std::string root = "/";
	std::optional<std::string> kernel; // version; default: the only one, else uname -r
	bool allowInstallCommands = false;
	bool devices = false; // also the devices present under ROOT/sys/devices (coldplug)
};

struct BootPlan {
	KernelTree tree;
	// Command line first, then modules-load.d (as systemd), then the devices present.
	std::vector<Request> requests;
	size_t deviceRequests = 0; // how many of them came from devices
	ModuleGraph graph;
	Diagnostics diagnostics; // configuration problems, each already skipped
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
