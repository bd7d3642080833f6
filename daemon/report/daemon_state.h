// The daemon's state as it publishes it for `modloadctl status` and `list`: ROOT/run/modloadd/
// state.json, one JSON object (the field names are documented in modloadctl(1) and stay stable).
#pragma once

#include "base/outcome.h"
#include "base/result.h"
#include "resolve/module_graph.h"
#include "uevent/uevent_monitor.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace modloadd {

inline constexpr int kStateFormat = 1;

// What a timed-out insert came back with after all.
struct LateAnswer {
	std::string outcome; // as ModuleState::outcome
	int err = 0;
	std::string kernelMessage;
	std::optional<double> durationMs;
};

// One module the daemon handled this boot.
struct ModuleState {
	std::string name;
	// outcomeKey() of its outcome once settled; "inserting" while its insert runs, "waiting"
	// while it waits for its dependencies or a worker.
	std::string outcome;
	int err = 0;		   // positive errno, 0 for none
	std::string cause;	   // why, when not its own insert (a dependency, a blacklist)
	std::string kernelMessage; // the kernel's lines about a failure
	std::vector<std::string> origins; // "x.conf:3", "kernel-cmdline", "rule 50-nvidia", ...
	std::vector<DeviceRef> devices;	  // the devices that asked for it (devpath, modalias)
	std::string path;		  // the .ko as the system sees it
	std::string options;
	std::string installCommand;
	std::optional<double> durationMs; // its insert, until the answer or the timeout
	std::optional<LateAnswer> late;
};

struct UeventState {
	UeventCounters counters;
	uint64_t deviceEvents = 0; // accepted uevents that asked for something
	uint64_t rescans = 0;	   // walks of sysfs after lost uevents
};

struct DaemonState {
	pid_t pid = 0;
	uint64_t startedUsec = 0; // CLOCK_REALTIME, microseconds since the epoch
	uint64_t writtenUsec = 0;
	// "starting" (reading the configuration and the index), "loading", "settled" (the devices
	// present are known and every module asked for has settled), "reloading", "disabled"
	// (modules_disabled=1: nothing to load), "stopping".
	std::string phase;
	bool ready = false;	 // READY=1 was sent
	uint64_t generation = 0; // reloads finished
	std::string status;	 // as STATUS= says it
	size_t settled = 0;	 // modules settled so far
	size_t counts[kOutcomeKinds] = {};
	std::optional<UeventState> uevents; // none when not listening
	std::vector<std::string> inserting; // inserts that have not returned, timed out or not
	std::vector<ModuleState> modules;   // in the order the run met them
};

// An outcome as the state names it: "inserted", "already_loaded", "builtin", "blacklisted",
// "not_found", "no_device", "failed", "timed_out" (outcomeName() with '_' for ' ').
std::string outcomeKey(OutcomeKind kind);

// A module whose outcome fails the run: failed or timed out.
bool isFailedState(const ModuleState &module);

// ROOT/run/modloadd/state.json
std::string stateFilePath(std::string_view root);

// The state as the file holds it (invalid UTF-8 replaced, so writing never throws).
std::string stateJson(const DaemonState &state);

// The file's text back; an Error (-EBADMSG) naming what is wrong when it is not a state
// modloadd wrote (not JSON, cut short, a field missing or of the wrong type, another format).
Result<DaemonState> parseDaemonState(std::string_view text);

// `modloadctl status --json`: the state without its modules, with the names of those that
// failed ("failed": failed or timed out) and timed out ("timed_out").
std::string statusJson(const DaemonState &state);
// `modloadctl list --json`: {"modules": [...]}, the failed ones only with FAILED_ONLY.
std::string listJson(const DaemonState &state, bool failedOnly);

} // namespace modloadd
