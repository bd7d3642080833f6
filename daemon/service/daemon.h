// The daemon's run: the start (the static lists, the rules, the walk of sysfs), then the event
// loop until SIGTERM or SIGINT: finished insertions, devices, reloads, the ready bound, the
// watchdog. With `once`, the loop ends when the devices present have settled.
#pragma once

#include "base/journal.h"
#include "config/settings.h"
#include "load/backend.h"
#include "service/boot_plan.h"
#include "service/device_intake.h"
#include "service/event_loop.h"
#include "service/load_run.h"
#include "service/metrics_writer.h"
#include "service/off_loop.h"
#include "service/reload.h"
#include "service/rule_tests.h"
#include "service/state_writer.h"

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace modloadd {

struct DaemonOptions {
	std::string root = "/";
	std::optional<std::string> kernel; // default: the running kernel on "/", else the only one
	bool once = false;		   // load for the lists and the devices present, then exit
	// What the command line sets over modloadd.conf, at start and again at every reload.
	std::function<void(Settings &)> overrides = [](Settings &) {};
};

// One per process, on the main thread. The caller has blocked SIGTERM, SIGINT and SIGHUP in
// every thread (the event loop takes them) and applied the overrides to the settings.
class Daemon {
public:
	Daemon(DaemonOptions options, Settings settings, Journal &journal);
	~Daemon();
	Daemon(const Daemon &) = delete;
	Daemon &operator=(const Daemon &) = delete;

	// Starts and serves; returns the process's exit status: 0, or 1 when the start failed or
	// the event loop did; with `once`, 1 when a module failed or the run was interrupted.
	int run();

	// What the run did so far (nullptr before the start).
	const LoadRun *loadRun() const { return run_.get(); }
	// READY=1 sent: the command-line and modules-load.d modules have settled (or the bound
	// passed).
	const BootPlanner *planner() const { return planner_ ? &*planner_ : nullptr; }
	// The rules, tested off the loop (nullptr before the start).
	const RuleTests *ruleTests() const { return ruleTests_.get(); }
	bool ready() const { return ready_; }
	// The devices present are known and every module asked for so far has settled.
	bool settled() const { return settled_; }

private:
	bool start();
	void onPlanned(StartedBoot planned);
	void failStart(const Error &error);
	Status arm();
	Status listen();
	void submitStatic(std::vector<Rule> machineRules);
	size_t submitFired(std::vector<Rule> fired);
	void onRulesFired(std::vector<Rule> fired, bool newRules);
	void onInsertions();
	void onHangup(const signalfd_siginfo &info);
	void onColdplug(bool wait = false);
	void onUevents();
	void onRescan();
	void onReadyTimeout();
	size_t takeDevices(DeviceBatch batch);
	Reloader::ReadWork reread();
	void applySettings(Settings fresh);
	bool idle() const { return run_->idle() && !ruleTests_->busy(); }
	void afterProgress();
	void becomeReady(bool bounded);
	std::string status() const;
	// The metrics textfile (service/daemon_metrics.cpp).
	void metricsChanged();
	MetricsSnapshot metricsSnapshot() const;
	int stop(int loopResult);

	DaemonOptions options_;
	Settings settings_;
	Journal &journal_;
	std::optional<EventLoop> loop_;
	std::optional<BootPlanner> planner_;
	std::unique_ptr<Backend> backend_;
	std::unique_ptr<LoadRun> run_;
	std::unique_ptr<DeviceIntake> devices_;
	std::unique_ptr<Reloader> reloader_;
	std::unique_ptr<RuleTests> ruleTests_;
	std::unique_ptr<StateWriter> state_; // from the start on: ROOT/run/modloadd/state.json
	std::vector<SdEventSource> sources_; // for the daemon's life: signals, fds
	SdEventSource coldplugSource_;
	SdEventSource readyBound_;
	SdEventSource rescan_; // a pending rescan
	// The start's reading, off the loop; left behind, unfinished, on SIGTERM.
	std::unique_ptr<OffLoop<StartedBoot>> planning_;
	bool startFailed_ = false;
	bool coldplugged_ = false;
	size_t staticJobs_ = 0; // the run's first jobs: the static lists' modules and their deps
	bool staticQueued_ = false;
	bool ready_ = false;
	bool settled_ = false;

	// Where the time before the first insertions goes, for whoever tunes the boot.
	struct StartTimes {
		std::chrono::steady_clock::time_point begun = std::chrono::steady_clock::now();
		double staticMs = 0, firstDeviceMs = 0, scanMs = 0;
		size_t staticRequests = 0, deviceRequests = 0, queued = 0;
		double since() const;
	} times_;
	// [Report] MetricsFile=, from the first settle on. Last, so that it goes first: its last
	// write, at stop, reads the members above.
	std::unique_ptr<MetricsWriter> metrics_;
};

} // namespace modloadd
