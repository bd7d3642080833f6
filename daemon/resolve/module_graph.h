// Requests resolved into the modules to load and what each one waits for.
#pragma once

#include "base/request.h"
#include "load/backend.h"
#include "load/scheduler.h"
#include "resolve/module_index.h"

#include <set>
#include <string>
#include <vector>

namespace modloadd {

enum class Action { Insert, Builtin, Loaded, Blacklisted, Missing };

std::string_view actionName(Action action); // insert, builtin, loaded, blacklisted, missing

struct DeviceRef {
	std::string devpath;
	std::string modalias;
	bool operator==(const DeviceRef &) const = default;
};

struct PlannedModule {
	std::string name; // module name; for Missing, the request as written
	Action action = Action::Insert;
	std::string path;	 // .ko with root prefix (Insert)
	std::string displayPath; // as the target system sees it
	std::string options;
	std::string installCommand;	  // run instead of inserting (only when allowed)
	std::vector<std::string> origins; // "x.conf:3", "kernel-cmdline", "dependency of y", ...
	std::vector<DeviceRef> devices;	  // the devices that asked for it, when any
	std::vector<JobEdge> waitsFor;	  // indices into ModuleGraph::modules, all earlier
	std::string reason;		  // why it is Blacklisted or Missing
};

struct ModuleGraph {
	// In a valid load order: every module after everything it waits for.
	std::vector<PlannedModule> modules;
};

struct ResolveOptions {
	std::set<std::string> blacklist; // beyond modprobe.d: the command line's, normalized
	std::set<std::string> forbidden; // module_blacklist=: the kernel refuses them everywhere
	std::set<std::string> live;	 // modules already live in the target kernel
	bool allowInstallCommands = false;
};

// Resolution as modprobe does it for each request (hard dependencies, softdeps pre and post,
// the blacklist applied to the requested module itself as KMOD_PROBE_APPLY_BLACKLIST does),
// merged into one graph in which every module appears once.
ModuleGraph buildModuleGraph(ModuleIndex &index, const std::vector<Request> &requests,
			     const ResolveOptions &options);

// The scheduler's and the workers' views of the graph (same indices).
std::vector<Job> toJobs(const ModuleGraph &graph);
std::vector<LoadJob> toLoadJobs(const ModuleGraph &graph);

} // namespace modloadd
