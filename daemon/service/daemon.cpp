// The daemon: the boot planner's steps fed to one load run, served by one event loop.
#include "service/daemon.h"

#include "base/rooted_path.h"
#include "base/strings.h"
#include "report/daemon_report.h"
#include "report/notify.h"
#include "report/outcome_report.h"
#include "report/tally.h"
#include "service/backend_setup.h"
#include "service/instance_record.h"
#include "service/without_modules.h"
#include "system/modules_disabled.h"
#include "system/process_name.h"

#include <csignal>
#include <fmt/format.h>

namespace modloadd {

namespace {

constexpr const char *kStarting = "Still reading the configuration and the module index";

} // namespace

double Daemon::StartTimes::since() const
{
	return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begun)
		.count();
}

Daemon::Daemon(DaemonOptions options, Settings settings, Journal &journal)
    : options_(std::move(options)), settings_(std::move(settings)), journal_(journal)
{
}

// Members go in reverse order: the event sources (callbacks into the members) before what they
// call, the load run (its worker threads) before the backend, the loop last.
Daemon::~Daemon() = default;

int Daemon::run()
{
	// The kernel takes no module in this boot: nothing to read, nothing to load.
	if (modulesDisabled(options_.root))
		return serveWithoutModules(options_, journal_);
	if (!start())
		return 1;
	int r = loop_->run();
	return stop(r);
}

// The event loop, and at once what must not wait for anything slow: SIGTERM and SIGINT, the ready
// bound, the watchdog. Then the configuration watch before the configuration is read (a file
// dropped in meanwhile is read by the start or by the reload it causes), and the reading itself
// off the loop; onPlanned() goes on from there.
bool Daemon::start()
{
	notifyStatus("Reading modules-load.d and sysfs, resolving modules");
	auto loop = EventLoop::open();
	if (!loop) {
		reportStartFailure(journal_, loop.error());
		return false;
	}
	loop_.emplace(std::move(*loop));
	if (Status r = arm(); !r) {
		reportStartFailure(journal_, r.error());
		return false;
	}
	// The hooks run from the loop only, once the run below exists (the reloader holds until
	// then).
	reloader_ = std::make_unique<Reloader>(
		*loop_, journal_, options_.root,
		Reloader::Hooks{[this] { return reread(); }, [this] { return idle(); },
				[this] { return ready_; }, [this] { return status(); },
				[this] { return run_->progress(); }});
	reloader_->setBound(settings_.readyTimeoutSec);
	reloader_->hold();
	// What modloadctl status and list read, from now until the stop.
	state_ = std::make_unique<StateWriter>(*loop_, journal_, options_.root, [this] {
		return DaemonParts{run_.get(), devices_.get(),	   reloader_.get(),
				   ready_,     settled_ && idle(), status()};
	});
	state_->writeNow();
	if (!options_.once)
		reloader_->watch(settings_.watchConfiguration);

	// The insert helpers start while the configuration is read (service/backend_setup.h).
	backend_ = makeBackend(settings_, journal_);
	backend_->prepare(std::min(insertWorkers(settings_), kPreparedHelpers));
	// Modules go into the running kernel: on the real root, its tree and no other.
	BootInputs inputs{options_.root, options_.kernel,
			  settings_.installCommands == InstallCommands::Run, settings_.denyModules};
	if (!inputs.kernel && inputs.root == "/")
		inputs.kernel = runningKernelVersion();
	// The module index, the configuration and the rules about the machine alone: thousands of
	// files, or a condition that reads slowly, must not hold up the loop. The work sees its
	// inputs only: it is left behind if SIGTERM comes first.
	auto planning = OffLoop<StartedBoot>::start(
		*loop_, [inputs] { return startBoot(inputs); },
		[this](StartedBoot b) { onPlanned(std::move(b)); });
	if (!planning) {
		reportStartFailure(journal_, planning.error());
		return false;
	}
	planning_ = std::move(*planning);
	return true;
}

// The boot planner's steps as far as they go without the devices.
void Daemon::onPlanned(StartedBoot planned)
{
	if (!planned.planner)
		return failStart(planned.planner.error());
	planner_.emplace(std::move(*planned.planner));
	ruleTests_ = std::make_unique<RuleTests>(
		*loop_, journal_, planner_->takeRules(), [this] { return planner_->devices(); },
		[this](std::vector<Rule> fired, bool newRules) {
			onRulesFired(std::move(fired), newRules);
		});
	devices_ = std::make_unique<DeviceIntake>(*planner_, journal_);
	if (!options_.once)
		devices_->listen(settings_.uevents, settings_.receiveBuffer);
	reportDiagnostics(journal_, planner_->takeDiagnostics());

	run_ = std::make_unique<LoadRun>(planner_->resolver(), *backend_, insertWorkers(settings_),
					 std::chrono::seconds(settings_.insertTimeoutSec),
					 journal_);
	// Refusals outlive a restart of the daemon but not the boot (/run is a tmpfs).
	if (size_t n = run_->rememberRefusals(
		    Refusals(rootedPath(options_.root, "/run/modloadd/refused"))))
		reportEarlierRefusals(journal_, n);
	if (!options_.once)
		if (auto previous = recordInstance(options_.root))
			reportRestart(journal_, *previous);

	if (Status r = listen(); !r)
		return failStart(r.error());
	submitStatic(std::move(planned.machineRules));
	reloader_->resume();
	// The walk of sysfs runs on a thread of its own while the lists insert; the loop hands
	// every device to the same run as soon as it is found (shared dependencies are attempted
	// once).
	if (settings_.coldplug) {
		devices_->startColdplug();
		auto source = loop_->watch(devices_->coldplugFd(), [this] { onColdplug(); });
		if (source)
			coldplugSource_ = std::move(*source);
		else
			onColdplug(true); // cannot wait in the loop: wait here, once
	} else {
		onColdplug();
	}
	afterProgress();
}

// The loop's sources once the run exists: SIGHUP reloads, and the insertions and the uevents are
// served.
Status Daemon::listen()
{
	std::vector<Result<SdEventSource>> sources;
	sources.push_back(loop_->watch(run_->eventFd(), [this] { onInsertions(); }));
	if (!options_.once) {
		sources.push_back(loop_->onSignal(
			SIGHUP, [this](const signalfd_siginfo &info) { onHangup(info); }));
		if (devices_->ueventFd() >= 0)
			sources.push_back(
				loop_->watch(devices_->ueventFd(), [this] { onUevents(); }));
	}
	for (Result<SdEventSource> &source : sources) {
		if (!source)
			return source.error();
		sources_.push_back(std::move(*source));
	}
	return Done{};
}

// Before anything that may take long: SIGTERM and SIGINT end the loop, the ready bound runs, the
// watchdog is served (at half of WatchdogSec= when the unit sets it).
Status Daemon::arm()
{
	for (int signal : {SIGTERM, SIGINT}) {
		auto source = loop_->onSignal(signal);
		if (!source)
			return source.error();
		sources_.push_back(std::move(*source));
	}
	if (options_.once)
		return Done{};
	if (settings_.readyTimeoutSec) {
		auto timer = loop_->after(uint64_t{settings_.readyTimeoutSec} * 1000000,
					  [this] { onReadyTimeout(); });
		if (!timer)
			return timer.error();
		readyBound_ = std::move(*timer);
	}
	if (int r = loop_->enableWatchdog(); r < 0)
		reportNoWatchdog(journal_, r);
	return Done{};
}

void Daemon::failStart(const Error &error)
{
	reportStartFailure(journal_, error);
	startFailed_ = true;
	loop_->exit();
}

// The static lists at once, then the rules about the machine alone (tested off the loop); the
// others once the devices present are known.
void Daemon::submitStatic(std::vector<Rule> machineRules)
{
	times_.staticRequests = planner_->staticRequests().size();
	times_.queued += run_->submit(planner_->staticRequests());
	times_.queued += submitFired(std::move(machineRules));
	staticJobs_ = run_->loader().size();
	staticQueued_ = true;
	times_.staticMs = times_.since();
	notifyStatus(status());
}

// The rules that fired join the run: a journal entry per rule, a notice per module it names that
// is not installed. Returns how many modules were new to the run.
size_t Daemon::submitFired(std::vector<Rule> fired)
{
	if (fired.empty())
		return 0;
	// The index is opened again here if depmod ran, so that globs see new modules.
	run_->refreshIndex();
	Diagnostics notices;
	std::vector<Request> requests;
	for (const Rule &rule : fired) {
		std::vector<Request> asked = planner_->requestsOf(rule, notices);
		reportRuleFired(journal_, rule, asked.size());
		for (Request &r : asked)
			requests.push_back(std::move(r));
	}
	reportRuleNotices(journal_, notices);
	return requests.empty() ? 0 : run_->submit(requests);
}

size_t Daemon::takeDevices(DeviceBatch batch)
{
	size_t added = batch.requests.empty() ? 0 : run_->submit(batch.requests);
	if (batch.appeared && coldplugged_)
		ruleTests_->test(RuleScope::DevicesOnly);
	return added;
}

// A test of the rules came back: what fired joins the run; what a reload's rules fired counts
// as the reload's.
void Daemon::onRulesFired(std::vector<Rule> fired, bool newRules)
{
	size_t added = submitFired(std::move(fired));
	if (newRules)
		reloader_->joined(added);
	afterProgress();
}

void Daemon::onColdplug(bool wait)
{
	DeviceBatch batch = devices_->takeColdplug(wait);
	bool ended = batch.ended;
	if (!batch.requests.empty() && times_.deviceRequests == 0)
		times_.firstDeviceMs = times_.since();
	times_.deviceRequests += batch.requests.size();
	times_.queued += takeDevices(std::move(batch));
	if (ended) {
		coldplugSource_.reset();
		coldplugged_ = true;
		// The device rules can be tested now that the devices present are known; those
		// about the machine alone were tested once, at start.
		ruleTests_->test(RuleScope::DevicesOnly);
		times_.scanMs = times_.since();
		reportStartTimes(journal_, times_.staticRequests, times_.staticMs,
				 times_.firstDeviceMs, times_.deviceRequests, times_.scanMs,
				 times_.queued);
	}
	afterProgress();
}

void Daemon::onInsertions()
{
	run_->collect();
	afterProgress();
}

void Daemon::onHangup(const signalfd_siginfo &info)
{
	pid_t sender = static_cast<pid_t>(info.ssi_pid);
	reloader_->request(sender > 0 ? "SIGHUP from " + describeProcess(sender) : "SIGHUP",
			   sender);
}

void Daemon::onUevents()
{
	DeviceBatch batch = devices_->drainUevents();
	bool lost = batch.lost;
	takeDevices(std::move(batch));
	if (lost && !rescan_) {
		// The kernel dropped events for us: whatever they announced is in sysfs, so walk it
		// again once the socket is drained.
		reportUeventOverflow(journal_, devices_->counters()->overflows);
		auto deferred = loop_->defer([this] { onRescan(); });
		if (deferred) {
			rescan_ = std::move(*deferred);
		} else {
			reportRescanNow(journal_, deferred.error());
			onRescan();
		}
	}
	afterProgress();
}

void Daemon::onRescan()
{
	rescan_.reset();
	size_t added = takeDevices(devices_->rescan());
	reportRescan(journal_, devices_->rescans(), added);
	afterProgress();
}

void Daemon::onReadyTimeout()
{
	readyBound_.reset();
	becomeReady(true);
	state_->progressed();
}

// Everything the configuration says, read again off the loop (a configuration of thousands of
// files must not starve the watchdog): modloadd.conf (what can change while running),
// modules-load.d and the rules; then, on the loop, modprobe.d with the module index, and the new
// rules go to be tested (off the loop again). What is new joins the run; nothing is unloaded.
Reloader::ReadWork Daemon::reread()
{
	// The work sees values only; `this` is for the second half, which runs on the loop.
	return [this, root = options_.root, overrides = options_.overrides]() -> Reloader::Apply {
		auto settingsDiags = std::make_shared<Diagnostics>();
		auto fresh = std::make_shared<Settings>(readSettings(root, *settingsDiags));
		overrides(*fresh);
		auto read = std::make_shared<BootPlanner::Reread>(BootPlanner::readAgain(root));
		return [this, settingsDiags, fresh, read] {
			reportDiagnostics(journal_, *settingsDiags);
			applySettings(std::move(*fresh));
			run_->reopenIndex();
			reportDiagnostics(journal_, read->diagnostics);
			size_t added = run_->submit(read->requests);
			ruleTests_->replace(std::move(read->rules)); // tested off the loop
			return added;
		};
	};
}

// What changed in modloadd.conf: the watch, the ready bound and the modules devices may not load
// change now (the last for requests resolved from now on), the rest shape the process (its
// workers, its backend, its sockets) and wait for a restart.
void Daemon::applySettings(Settings fresh)
{
	for (std::string_view key : changedSettings(settings_, fresh))
		if (key != "WatchConfiguration" && key != "ReadyTimeoutSec" && key != "DenyModules")
			reportSettingNeedsRestart(journal_, key);
	settings_.denyModules = fresh.denyModules;
	planner_->resolver().setDenyForDevices(fresh.denyModules);
	settings_.readyTimeoutSec = fresh.readyTimeoutSec;
	reloader_->setBound(fresh.readyTimeoutSec);
	if (settings_.watchConfiguration != fresh.watchConfiguration) {
		settings_.watchConfiguration = fresh.watchConfiguration;
		reloader_->watch(fresh.watchConfiguration);
	}
}

// READY=1 once the static lists' modules have settled, as systemd-modules-load would have
// finished: what is ordered after it may start. The summary once the devices present are known
// and every module asked for so far has settled.
void Daemon::afterProgress()
{
	if (staticQueued_ && !ready_ && run_->settledFirst(staticJobs_))
		becomeReady(false);
	if (coldplugged_ && idle()) {
		if (!settled_) {
			settled_ = true;
			reportSummary(journal_, run_->tally());
		}
		metricsChanged();
		if (options_.once) {
			loop_->exit();
			return;
		}
		reloader_->progressed();
	}
	state_->progressed();
	notifyStatus(status());
}

void Daemon::becomeReady(bool bounded)
{
	if (ready_)
		return;
	ready_ = true;
	readyBound_.reset();
	if (bounded)
		reportReadyBound(journal_, run_ ? run_->progress() : kStarting);
	notifyReady(status());
}

std::string Daemon::status() const
{
	if (!run_)
		return kStarting;
	std::string s = settled_ ? run_->tally().summary() : run_->progress();
	if (auto events = devices_->deviceEvents())
		s += fmt::format("; {} device events", *events);
	return s;
}

// The daemon's part of stopping happens at once: inserts still inside a module's init are named
// and left to their helpers (the members' destructors do not wait for them).
int Daemon::stop(int loopResult)
{
	if (startFailed_)
		return 1;
	std::vector<std::string> running = run_ ? run_->running() : std::vector<std::string>();
	state_->writeNow("stopping"); // with the inserts still running
	if (options_.once) {
		reportRunningAtStop(journal_, running);
		return settled_ && run_->tally().failed().empty() ? 0 : 1;
	}
	notifyStopping();
	if (devices_)
		devices_->reportStop();
	reportRunningAtStop(journal_, running);
	if (loopResult < 0) {
		reportLoopFailure(journal_, loopResult);
		return 1;
	}
	return 0;
}

} // namespace modloadd
