// ROOT/run/modloadd/state.json kept up to date for `modloadctl status` and `list`: after
// progress at most every kCoalesce (a storm of uevents is one write per interval, not one per
// module), at once when the run settles or a reload ends, at start and at stop.
#pragma once

#include "base/journal.h"
#include "report/daemon_state.h"
#include "service/device_intake.h"
#include "service/event_loop.h"
#include "service/load_run.h"
#include "service/reload.h"

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace modloadd {

// What the state is made of; the pointers are null while the daemon starts.
struct DaemonParts {
	const LoadRun *run = nullptr;
	const DeviceIntake *devices = nullptr;
	const Reloader *reloader = nullptr;
	bool ready = false;   // READY=1 was sent
	bool settled = false; // settled once (the summary is out), and nothing is left to settle
	std::string status;   // STATUS=
};

// The state of the daemon made of PARTS, without the process's PID and times.
DaemonState daemonState(const DaemonParts &parts);

// TEXT as ROOT/run/modloadd/state.json: written whole to a temporary file in that directory,
// then renamed over the file, so a reader never sees half of it; the file 0644 and the
// directory 0755 whatever the umask (module names and outcomes are no secret: /proc/modules is
// world-readable). 0, or -errno.
int writeStateFile(std::string_view root, const std::string &text);

// Main thread only.
class StateWriter {
public:
	static constexpr std::chrono::milliseconds kCoalesce{250};

	StateWriter(EventLoop &loop, Journal &journal, std::string root,
		    std::function<DaemonParts()> parts);
	StateWriter(const StateWriter &) = delete;
	StateWriter &operator=(const StateWriter &) = delete;

	// After progress: written at once when the run has just settled or a reload has just
	// ended, else within kCoalesce, once for everything that happens meanwhile.
	void progressed();
	// Written now, in PHASE when given (the stop's "stopping").
	void writeNow(std::string_view phase = {});

private:
	EventLoop &loop_;
	Journal &journal_;
	std::string root_;
	std::function<DaemonParts()> parts_;
	uint64_t startedUsec_;
	SdEventSource pending_; // the coalescing timer
	bool lastSettled_ = false;
	uint64_t lastGeneration_ = 0;
	bool failureReported_ = false; // journaled once
};

} // namespace modloadd
