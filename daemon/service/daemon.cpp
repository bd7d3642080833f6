// The daemon: one load session fed by the static lists, the rules, coldplug, hotplug and
// reloads, served by one sd-event loop.
#include "service/daemon.h"

#include "base/handles.h"
#include "base/strings.h"
#include "config/config_watch.h"
#include "config/modules_load_d.h"
#include "load/kernel_backend.h"
#include "load/simulated_backend.h"
#include "report/message_ids.h"
#include "report/outcome_report.h"
#include "resolve/boot_plan.h"
#include "rules/rule_book.h"
#include "rules/rule_plan.h"
#include "service/reload_record.h"
#include "session/load_session.h"
#include "uevent/coldplug.h"
#include "uevent/device_feed.h"
#include "uevent/device_requests.h"
#include "uevent/uevent_monitor.h"

#include <chrono>
#include <csignal>
#include <fmt/format.h>
#include <fstream>
#include <poll.h>
#include <set>
#include <sstream>
#include <sys/epoll.h>
#include <systemd/sd-daemon.h>
#include <thread>

namespace modloadd {

namespace {

// Changes in the configuration directories come in bursts (an editor writes a temporary file
// and renames it, a package drops several files): one reload this long after the first.
constexpr uint64_t kWatchSettleUsec = 100 * 1000;

std::unique_ptr<Backend> makeBackend(const Settings &settings, Journal &journal)
{
	if (settings.backend == BackendKind::Kernel)
		return std::make_unique<KernelBackend>(settings.installCommands ==
						       InstallCommands::Run);
	Diagnostics diags;
	SimulationScript script = SimulationScript::uniform(0);
	if (!settings.simulationScript.empty()) {
		std::ifstream in(settings.simulationScript);
		if (!in)
			diags.push_back({settings.simulationScript, 0,
					 "cannot read the simulation script, ignoring"});
		std::stringstream text;
		text << in.rdbuf();
		script = SimulationScript::parse(text.str(), settings.simulationScript, diags);
	}
	reportDiagnostics(journal, diags);
	return std::make_unique<SimulatedBackend>(std::move(script));
}

// The rules in SCOPE that hold now join the session: a journal entry per rule, a notice per
// module it names that is not installed. Returns how many modules were new to the run.
size_t fireRules(RuleBook &rules, const DeviceSet &devices, RuleScope scope, LoadSession &session,
		 Journal &journal)
{
	std::vector<const Rule *> fired = rules.fire(devices, scope);
	if (fired.empty())
		return 0;
	// The index is reopened here, if depmod ran, not per lookup.
	ModuleCatalog catalog = moduleCatalog(session.index());
	std::vector<Request> requests;
	Diagnostics notices;
	for (const Rule *rule : fired) {
		std::vector<Request> asked = rules.requests(*rule, catalog, notices);
		journal.send(
			LOG_INFO,
			{{"MESSAGE_ID", std::string(message_id::kRuleFired)},
			 {"MODLOADD_RULE", rule->name},
			 {"CONFIG_FILE", rule->file}},
			fmt::format("Rule '{}' holds{}: {} modules to load ({})", rule->name,
				    rule->description.empty() ? "" : " (" + rule->description + ")",
				    asked.size(), rule->file));
		for (Request &r : asked)
			requests.push_back(std::move(r));
	}
	reportDiagnostics(journal, notices, LOG_NOTICE, message_id::kRuleModuleMissing);
	return session.submit(requests);
}

// One device seen (coldplug, hotplug, rescan): into the set the device conditions look at, its
// requests onto REQUESTS. Returns how many requests it made.
size_t takeDevice(const Uevent &device, DeviceSet &devices, std::vector<Request> &requests,
		  bool *appeared = nullptr)
{
	bool added = devices.apply(device);
	if (appeared)
		*appeared |= added;
	std::vector<Request> asked = requestsForDevice(device);
	for (Request &r : asked)
		requests.push_back(std::move(r));
	return asked.size();
}

// "modloadctl[123]", or the bare PID when the process is gone.
std::string describeProcess(pid_t pid)
{
	std::ifstream in(fmt::format("/proc/{}/comm", pid));
	std::string comm;
	if (std::getline(in, comm) && !comm.empty())
		return fmt::format("{}[{}]", comm, pid);
	return fmt::format("PID {}", pid);
}

class Daemon {
public:
	Daemon(const DaemonOptions &options, Settings settings, Journal &journal)
	    : options_(options), settings_(std::move(settings)), journal_(journal)
	{
	}
	Daemon(const Daemon &) = delete;
	Daemon &operator=(const Daemon &) = delete;

	int run();

private:
	void openMonitor();
	void openWatch();
	bool start();
	int serve();
	void reportStop();

	std::string status() const;
	void becomeReady(std::string_view why);
	void afterProgress();
	size_t fireDeviceRules();

	void reload(std::string cause, pid_t sender);
	void applySettings(Settings fresh);
	void finishReload(std::string_view note);
	void dropSource(sd_event_source *&source);

	static int onInsertions(sd_event_source *, int, uint32_t, void *self);
	static int onUevents(sd_event_source *source, int, uint32_t, void *self);
	static int onRescan(sd_event_source *source, void *self);
	static int onReadyTimeout(sd_event_source *, uint64_t, void *self);
	static int onHangup(sd_event_source *, const signalfd_siginfo *info, void *self);
	static int onWatch(sd_event_source *, int, uint32_t, void *self);
	static int onWatchSettled(sd_event_source *, uint64_t, void *self);
	static int onReloadTimeout(sd_event_source *, uint64_t, void *self);

	const DaemonOptions &options_;
	Settings settings_;
	Journal &journal_;
	std::optional<UeventMonitor> monitor_;
	std::optional<ConfigWatch> watch_;
	std::unique_ptr<Backend> backend_;
	std::unique_ptr<LoadSession> session_;
	std::unique_ptr<RuleBook> rules_;
	DeviceSet devices_; // what the device conditions see
	SdEvent event_;

	bool ready_ = false;
	uint64_t deviceEvents_ = 0; // accepted uevents that asked for something
	uint64_t rescans_ = 0;
	sd_event_source *rescanSource_ = nullptr; // a pending rescan

	// Reloads. One is pending from the first trigger until the modules it added have settled
	// (or ReadyTimeoutSec); triggers meanwhile read the configuration again into the same one.
	struct PendingReload {
		std::vector<std::string> causes;
		std::vector<pid_t> senders; // of SIGHUP, for `modloadctl reload`
		size_t added = 0;	    // modules new to the run
		bool announced = false;	    // RELOADING=1 was sent (the daemon was ready)
	};
	std::optional<PendingReload> reload_;
	uint64_t reloads_ = 0;
	sd_event_source *reloadBound_ = nullptr;
	sd_event_source *watchSource_ = nullptr;
	sd_event_source *watchSettle_ = nullptr;
	std::set<std::string> watchChanges_;
};

int Daemon::run()
{
	openMonitor();
	openWatch();
	if (!start())
		return 1;
	if (options_.once) {
		session_->waitIdle();
		reportSummary(journal_, session_->tally());
		sd_notifyf(0, "READY=1\nSTATUS=%s", session_->tally().summary().c_str());
		return session_->tally().failed().empty() ? 0 : 1;
	}
	// Serve: READY=1 once that first graph has settled (or at the bound), then hotplug and
	// reloads until asked to stop.
	int r = serve();
	sd_notify(0, "STOPPING=1");
	reportStop();
	if (r < 0) {
		journal_.send(LOG_ERR, {{"ERRNO", fmt::format("{}", -r)}},
			      fmt::format("Event loop failed: {}", strerror(-r)));
		return 1;
	}
	return 0;
}

// Listen for uevents before walking sysfs, so a device that appears in between is seen by one
// or the other (both, at worst: the session answers a repeat from memory).
void Daemon::openMonitor()
{
	if (options_.once || settings_.uevents == UeventsFrom::None)
		return;
	int err = 0;
	monitor_ = UeventMonitor::open(
		settings_.uevents == UeventsFrom::Udev ? UeventSource::Udev : UeventSource::Kernel,
		settings_.receiveBuffer, err);
	if (!monitor_) {
		journal_.send(LOG_ERR, {{"ERRNO", fmt::format("{}", -err)}},
			      fmt::format("Cannot listen for uevents: {}; hotplugged devices will "
					  "not get their modules",
					  strerror(-err)));
		return;
	}
	monitor_->setRejectionObserver([this, logged = 0u](UeventRejection kind,
							   std::string_view why) mutable {
		// A flood of bad datagrams must not become a flood of entries: the first few are
		// shown, all are counted.
		constexpr unsigned kShown = 10;
		if (++logged > kShown)
			return;
		bool spoofed = kind == UeventRejection::Spoofed;
		journal_.send(
			spoofed ? LOG_WARNING : LOG_DEBUG, {},
			fmt::format("Dropped a uevent: {}{}", why,
				    logged == kShown ? " (further drops are only counted)" : ""));
	});
}

// Watch the configuration directories before reading them: a file dropped in while the daemon
// starts is read by the start or by the reload it causes.
void Daemon::openWatch()
{
	if (options_.once || !settings_.watchConfiguration) {
		watch_.reset();
		return;
	}
	int err = 0;
	watch_ = ConfigWatch::open(options_.root, configurationKinds(), err);
	if (!watch_)
		journal_.send(LOG_WARNING, {{"ERRNO", fmt::format("{}", -err)}},
			      fmt::format("Cannot watch the configuration directories: {}; new "
					  "files take effect on reload (systemctl reload modloadd)",
					  strerror(-err)));
}

// The static sources (kernel command line, modules-load.d), libkmod's index, the rules, and the
// devices present (coldplug), each queued as soon as it is known.
bool Daemon::start()
{
	sd_notify(0, "STATUS=Reading modules-load.d and sysfs, resolving modules");
	auto started = std::chrono::steady_clock::now();
	auto sinceStart = [started] {
		return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
								 started)
			.count();
	};
	// Modules go into the running kernel: on the real root, its tree and no other.
	std::optional<std::string> kernel = options_.kernel;
	if (!kernel && options_.root == "/")
		kernel = runningKernelVersion();
	BootPlanInputs inputs{options_.root, kernel,
			      settings_.installCommands == InstallCommands::Run};
	std::string error;
	auto plan = readBootSources(inputs, error);
	if (!plan) {
		journal_.send(LOG_ERR, {}, fmt::format("Cannot plan module loading: {}", error));
		sd_notifyf(0, "STATUS=Failed: %s", error.c_str());
		return false;
	}
	reportDiagnostics(journal_, plan->diagnostics);

	unsigned workers = settings_.workers ? settings_.workers
					     : std::max(1u, std::thread::hardware_concurrency());
	backend_ = makeBackend(settings_, journal_);
	session_ = std::make_unique<LoadSession>(std::move(*plan->index), plan->options, *backend_,
						 workers, journal_);
	// Refusals outlive a restart of the daemon but not the boot (/run is a tmpfs).
	if (size_t n =
		    session_->rememberRefusals(rootedPath(options_.root, "/run/modloadd/refused")))
		journal_.send(
			LOG_INFO, {},
			fmt::format("{} modules the kernel refused earlier in this boot are not "
				    "tried again (/run/modloadd/refused)",
				    n));
	auto progress = [this] { sd_notifyf(0, "STATUS=%s", status().c_str()); };

	// The static lists at once, then the rules about the machine alone; the others once the
	// devices present are known.
	size_t queued = session_->submit(plan->requests);
	Diagnostics ruleDiags;
	rules_ = std::make_unique<RuleBook>(readRules(options_.root, ruleDiags), options_.root);
	reportDiagnostics(journal_, ruleDiags);
	queued += fireRules(*rules_, devices_, RuleScope::MachineOnly, *session_, journal_);
	progress();

	// Walk sysfs while those insert: the walk is a thread of its own, this one hands every
	// device to the same run as soon as it is found (shared dependencies are attempted once).
	double staticMs = sinceStart();
	double firstDeviceMs = 0;
	size_t deviceRequests = 0;
	if (settings_.coldplug) {
		DeviceFeed feed{options_.root};
		for (bool walking = true; walking;) {
			walking = !feed.done(); // read before take(): the last take gets the rest
			std::vector<Request> requests;
			for (const Uevent &device : feed.take())
				takeDevice(device, devices_, requests);
			if (!requests.empty()) {
				if (deviceRequests == 0)
					firstDeviceMs = sinceStart();
				deviceRequests += requests.size();
				queued += session_->submit(requests);
				progress();
			}
			pollfd p{session_->eventFd(), POLLIN, 0};
			if (walking && poll(&p, 1, 10) > 0) {
				session_->collect();
				progress();
			}
		}
	}
	double scanMs = sinceStart();
	queued += fireRules(*rules_, devices_, RuleScope::All, *session_, journal_);
	// Where the time before the first insertions goes, for whoever tunes the boot.
	journal_.send(
		LOG_DEBUG, {},
		fmt::format("Static lists: {} requests queued by {:.1f} ms after start; sysfs: "
			    "first device request queued by {:.1f} ms, {} in all by {:.1f} ms; "
			    "{} modules queued in all",
			    plan->requests.size(), staticMs, firstDeviceMs, deviceRequests, scanMs,
			    queued));
	return true;
}

int Daemon::serve()
{
	sd_event *raw = nullptr;
	int r = sd_event_default(&raw);
	if (r < 0)
		return r;
	event_.reset(raw);
	sd_event *e = event_.get();
	if ((r = sd_event_add_signal(e, nullptr, SIGTERM, nullptr, nullptr)) < 0 ||
	    (r = sd_event_add_signal(e, nullptr, SIGINT, nullptr, nullptr)) < 0 ||
	    (r = sd_event_add_signal(e, nullptr, SIGHUP, onHangup, this)) < 0 ||
	    (r = sd_event_add_io(e, nullptr, session_->eventFd(), EPOLLIN, onInsertions, this)) < 0)
		return r;
	if (monitor_ &&
	    (r = sd_event_add_io(e, nullptr, monitor_->fd(), EPOLLIN, onUevents, this)) < 0)
		return r;
	if (watch_ &&
	    (r = sd_event_add_io(e, &watchSource_, watch_->fd(), EPOLLIN, onWatch, this)) < 0)
		return r;
	if (!ready_ && settings_.readyTimeoutSec &&
	    (r = sd_event_add_time_relative(e, nullptr, CLOCK_MONOTONIC,
					    uint64_t{settings_.readyTimeoutSec} * 1000000, 0,
					    onReadyTimeout, this)) < 0)
		return r;
	// Pings WATCHDOG=1 at half of WatchdogSec= when the unit sets it.
	sd_event_set_watchdog(e, true);
	afterProgress();
	r = sd_event_loop(e);
	for (sd_event_source **s : {&rescanSource_, &reloadBound_, &watchSource_, &watchSettle_})
		dropSource(*s);
	return r;
}

void Daemon::reportStop()
{
	if (!monitor_)
		return;
	const UeventCounters &c = monitor_->counters();
	journal_.send(
		LOG_INFO,
		{{"MODLOADD_UEVENTS_RECEIVED", fmt::format("{}", c.received)},
		 {"MODLOADD_UEVENTS_DROPPED",
		  fmt::format("{}", c.malformed + c.badModalias + c.truncated + c.spoofed)},
		 {"MODLOADD_UEVENT_OVERFLOWS", fmt::format("{}", c.overflows)}},
		fmt::format("Stopping: {} uevents received, {} accepted, {} malformed, {} with a "
			    "bad modalias, {} truncated, {} from a wrong sender, {} overflows ({} "
			    "rescans)",
			    c.received, c.accepted, c.malformed, c.badModalias, c.truncated,
			    c.spoofed, c.overflows, rescans_));
}

std::string Daemon::status() const
{
	std::string s = ready_ ? session_->tally().summary()
			       : session_->tally().progress(session_->modules());
	if (monitor_)
		s += fmt::format("; {} device events", deviceEvents_);
	return s;
}

void Daemon::becomeReady(std::string_view why)
{
	if (ready_)
		return;
	ready_ = true;
	reportSummary(journal_, session_->tally());
	if (!why.empty())
		journal_.send(LOG_NOTICE, {}, std::string(why));
	sd_notifyf(0, "READY=1\nSTATUS=%s", status().c_str());
}

void Daemon::afterProgress()
{
	if (session_->idle()) {
		if (!ready_)
			becomeReady({});
		if (reload_)
			finishReload({});
	}
	sd_notifyf(0, "STATUS=%s", status().c_str());
}

size_t Daemon::fireDeviceRules()
{
	return fireRules(*rules_, devices_, RuleScope::DevicesOnly, *session_, journal_);
}

void Daemon::dropSource(sd_event_source *&source)
{
	if (source)
		sd_event_source_disable_unref(source);
	source = nullptr;
}

// Everything the configuration says, read again: modloadd.conf (what can change while running),
// modprobe.d with the module index, modules-load.d and the rules. What is new joins the run;
// nothing is unloaded.
void Daemon::reload(std::string cause, pid_t sender)
{
	if (!reload_) {
		reload_.emplace();
		if (ready_) {
			// The unit shows "reloading" until READY=1 below.
			reload_->announced = true;
			uint64_t now = 0;
			sd_event_now(event_.get(), CLOCK_MONOTONIC, &now);
			sd_notifyf(0,
				   "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=Reloading the "
				   "configuration",
				   static_cast<unsigned long long>(now));
		}
		if (settings_.readyTimeoutSec)
			sd_event_add_time_relative(event_.get(), &reloadBound_, CLOCK_MONOTONIC,
						   uint64_t{settings_.readyTimeoutSec} * 1000000, 0,
						   onReloadTimeout, this);
	}
	reload_->causes.push_back(std::move(cause));
	if (sender > 0)
		reload_->senders.push_back(sender);

	Diagnostics settingsDiags;
	Settings fresh = readSettings(options_.root, settingsDiags);
	options_.overrides(fresh);
	reportDiagnostics(journal_, settingsDiags);
	applySettings(std::move(fresh));

	session_->reopenIndex();
	Diagnostics listDiags;
	std::vector<Request> requests = readModulesLoadD(options_.root, listDiags);
	reportDiagnostics(journal_, listDiags);
	reload_->added += session_->submit(requests);

	Diagnostics ruleDiags;
	rules_->replaceRules(readRules(options_.root, ruleDiags));
	reportDiagnostics(journal_, ruleDiags);
	reload_->added += fireRules(*rules_, devices_, RuleScope::All, *session_, journal_);
	afterProgress();
}

// What changed in modloadd.conf: the watch and the ready bound change now, the rest shape the
// process (its workers, its backend, its sockets) and wait for a restart.
void Daemon::applySettings(Settings fresh)
{
	for (std::string_view key : changedSettings(settings_, fresh)) {
		if (key == "WatchConfiguration" || key == "ReadyTimeoutSec")
			continue;
		journal_.send(LOG_NOTICE, {{"MODLOADD_SETTING", std::string(key)}},
			      fmt::format("{}= changed in modloadd.conf; it takes effect when "
					  "modloadd restarts",
					  key));
	}
	settings_.readyTimeoutSec = fresh.readyTimeoutSec;
	if (settings_.watchConfiguration != fresh.watchConfiguration) {
		settings_.watchConfiguration = fresh.watchConfiguration;
		dropSource(watchSource_);
		dropSource(watchSettle_);
		watchChanges_.clear();
		openWatch();
		if (watch_)
			sd_event_add_io(event_.get(), &watchSource_, watch_->fd(), EPOLLIN, onWatch,
					this);
	}
}

void Daemon::finishReload(std::string_view note)
{
	PendingReload done = std::move(*reload_);
	reload_.reset();
	dropSource(reloadBound_);
	reloads_++;
	ReloadRecord record{reloads_, getpid(), done.senders};
	if (int r = writeReloadRecord(options_.root, record); r < 0)
		journal_.send(LOG_WARNING, {{"ERRNO", fmt::format("{}", -r)}},
			      fmt::format("Cannot write {}: {}; modloadctl reload will not see "
					  "this reload finish",
					  reloadRecordPath(options_.root), strerror(-r)));
	std::string causes;
	for (const std::string &c : done.causes)
		causes += (causes.empty() ? "" : "; ") + c;
	journal_.send(LOG_INFO,
		      {{"MESSAGE_ID", std::string(message_id::kReloaded)},
		       {"MODLOADD_RELOAD", fmt::format("{}", reloads_)},
		       {"MODLOADD_RELOAD_TRIGGER", done.senders.empty() ? "watch" : "signal"}},
		      fmt::format("Reloaded the configuration ({}): {} modules new to this run{}",
				  causes, done.added, note));
	if (done.announced)
		sd_notifyf(0, "READY=1\nSTATUS=%s", status().c_str());
}

int Daemon::onInsertions(sd_event_source *, int, uint32_t, void *self)
{
	auto *d = static_cast<Daemon *>(self);
	d->session_->collect();
	d->afterProgress();
	return 0;
}

int Daemon::onRescan(sd_event_source *, void *self)
{
	auto *d = static_cast<Daemon *>(self);
	d->dropSource(d->rescanSource_);
	d->rescans_++;
	// Lost events may have removed devices too: the set is rebuilt from what sysfs holds now.
	d->devices_.clear();
	std::vector<Request> requests;
	for (const Uevent &device : scanDevices(d->options_.root))
		takeDevice(device, d->devices_, requests);
	size_t added = d->session_->submit(requests);
	added += d->fireDeviceRules();
	d->journal_.send(
		LOG_INFO, {{"MODLOADD_RESCAN", fmt::format("{}", d->rescans_)}},
		fmt::format("Rescanned /sys/devices after lost uevents: {} new modules", added));
	d->afterProgress();
	return 0;
}

int Daemon::onUevents(sd_event_source *source, int, uint32_t, void *self)
{
	auto *d = static_cast<Daemon *>(self);
	std::vector<Request> requests;
	bool appeared = false; // a device the device conditions can see
	bool lost = d->monitor_->drain([&](Uevent &&event) {
		d->deviceEvents_ += takeDevice(event, d->devices_, requests, &appeared) != 0;
	});
	if (!requests.empty())
		d->session_->submit(requests);
	if (appeared)
		d->fireDeviceRules();
	if (lost && !d->rescanSource_) {
		// The kernel dropped events for us (ENOBUFS): whatever they announced is in sysfs,
		// so walk it again once the socket is drained.
		d->journal_.send(LOG_WARNING,
				 {{"MODLOADD_UEVENT_OVERFLOWS",
				   fmt::format("{}", d->monitor_->counters().overflows)}},
				 "The uevent socket overflowed (ENOBUFS): events were lost; "
				 "rescanning /sys/devices");
		sd_event_add_defer(sd_event_source_get_event(source), &d->rescanSource_, onRescan,
				   d);
	}
	d->afterProgress();
	return 0;
}

int Daemon::onReadyTimeout(sd_event_source *, uint64_t, void *self)
{
	auto *d = static_cast<Daemon *>(self);
	d->becomeReady(fmt::format("Still loading modules for devices after the ready bound; "
				   "reporting ready, loading goes on ({})",
				   d->session_->tally().progress(d->session_->modules())));
	return 0;
}

int Daemon::onHangup(sd_event_source *, const signalfd_siginfo *info, void *self)
{
	auto *d = static_cast<Daemon *>(self);
	pid_t sender = static_cast<pid_t>(info->ssi_pid);
	d->reload(sender > 0 ? "SIGHUP from " + describeProcess(sender) : "SIGHUP", sender);
	return 0;
}

int Daemon::onWatch(sd_event_source *, int, uint32_t, void *self)
{
	auto *d = static_cast<Daemon *>(self);
	for (std::string &dir : d->watch_->drain())
		d->watchChanges_.insert(std::move(dir));
	if (!d->watchChanges_.empty() && !d->watchSettle_)
		sd_event_add_time_relative(d->event_.get(), &d->watchSettle_, CLOCK_MONOTONIC,
					   kWatchSettleUsec, 0, onWatchSettled, d);
	return 0;
}

int Daemon::onWatchSettled(sd_event_source *, uint64_t, void *self)
{
	auto *d = static_cast<Daemon *>(self);
	d->dropSource(d->watchSettle_);
	std::string dirs;
	for (const std::string &dir : d->watchChanges_)
		dirs += (dirs.empty() ? "" : ", ") + dir;
	d->watchChanges_.clear();
	d->reload("a change in " + dirs, 0);
	return 0;
}

int Daemon::onReloadTimeout(sd_event_source *, uint64_t, void *self)
{
	auto *d = static_cast<Daemon *>(self);
	d->finishReload(fmt::format("; still loading after ReadyTimeoutSec= ({})",
				    d->session_->tally().progress(d->session_->modules())));
	return 0;
}

} // namespace

int runDaemon(const DaemonOptions &options, Settings settings, Journal &journal)
{
	Daemon daemon(options, std::move(settings), journal);
	return daemon.run();
}

} // namespace modloadd
