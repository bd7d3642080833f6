// Requests resolved into the modules to load and what each one waits for.
#pragma once

#include "base/outcome.h"
#include "base/request.h"
#include "config/settings.h"
#include "resolve/module_index.h"

#include <set>
#include <string>
#include <vector>

namespace modloadd {

// One module waiting for another.
struct ModuleEdge {
	size_t module;	  // index into ModuleGraph::modules, always an earlier one
	bool hard = true; // a modules.dep dependency (its failure is ours), else a softdep: order
};

struct DeviceRef {
	std::string devpath;
	std::string modalias;
	bool operator==(const DeviceRef &) const = default;
};

struct PlannedModule {
	std::string name; // module name; for NotFound, the request as written
	// What the plan expects: Inserted when it will be attempted; any other kind is decided
	// now (Builtin, AlreadyLoaded, Blacklisted, NotFound; Failed when a hard dependency is
	// missing or fails so) and never attempted.
	OutcomeKind planned = OutcomeKind::Inserted;
	std::string path;	 // .ko with root prefix
	std::string displayPath; // as the target system sees it
	std::string options;
	std::string installCommand;	  // run instead of inserting (only when allowed)
	std::vector<std::string> origins; // "x.conf:3", "kernel-cmdline", "dependency of y", ...
	std::vector<DeviceRef> devices;	  // the devices that asked for it, when any
	std::vector<ModuleEdge> waitsFor;
	// Why it is Blacklisted, NotFound or Failed.
	std::string reason;
	// Blacklisted because only devices asked for it and [Devices] DenyModules= denies it: the
	// glob and where it was written. A person's later ask overrides it (load/loader.h).
	std::string deniedBy;

	bool toInsert() const { return planned == OutcomeKind::Inserted; }
};

struct ModuleGraph {
	// In a valid load order: every module after everything it waits for.
	std::vector<PlannedModule> modules;
};

struct ResolveOptions {
	std::set<std::string> blacklist; // beyond modprobe.d: the command line's, normalized
	std::set<std::string> forbidden; // module_blacklist=: the kernel refuses them everywhere
	std::set<std::string> live;	 // modules already live in the target kernel
	// [Devices] DenyModules=: not loaded when only devices ask for them
	std::vector<DenyGlob> denyForDevices;
	bool allowInstallCommands = false;
};

// Resolution as modprobe does it for each request (hard dependencies, softdeps pre and post,
// the blacklist applied to the requested module itself as KMOD_PROBE_APPLY_BLACKLIST does),
// merged into one graph in which every module appears once. A module that only devices asked
// for and that DenyModules= matches is held like a blacklisted one: not loaded, nor what it
// would have pulled in, unless something else needs it.
ModuleGraph buildModuleGraph(ModuleIndex &index, const std::vector<Request> &requests,
			     const ResolveOptions &options);

} // namespace modloadd
