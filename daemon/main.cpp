// modloadd: loads the kernel modules a system asks for, in dependency order, in parallel.
#include "base/handles.h"
#include "base/journal.h"
#include "base/strings.h"
#include "config/settings.h"
#include "load/kernel_backend.h"
#include "load/simulated_backend.h"
#include "report/outcome_report.h"
#include "resolve/boot_plan.h"
#include "rules/rule_book.h"
#include "session/load_session.h"
#include "uevent/coldplug.h"
#include "uevent/device_feed.h"
#include "uevent/device_requests.h"
#include "uevent/uevent_monitor.h"

#include <charconv>
#include <chrono>
#include <csignal>
#include <exception>
#include <fmt/format.h>
#include <fstream>
#include <getopt.h>
#include <poll.h>
#include <sstream>
#include <sys/epoll.h>
#include <systemd/sd-daemon.h>
#include <thread>

using namespace modloadd;

namespace {

struct CommandLine {
	bool once = false;
	std::string root = "/";
	std::optional<std::string> kernel;
	std::optional<unsigned> workers;
	std::optional<BackendKind> backend;
	std::optional<std::string> simulationScript;
	std::optional<std::string> logTarget;
};

void usage(FILE *to)
{
	fmt::print(
		to,
		"Usage: modloadd [OPTIONS]\n"
		"\n"
		"Loads the modules listed in modules-load.d and on the kernel command line, and "
		"the\n"
		"modules the devices present and hotplugged ask for.\n"
		"\n"
		"  --once                   load for the lists and the devices present, then exit\n"
		"                           (exit 1 if a module failed)\n"
		"  --root DIR               configuration and modules under DIR\n"
		"  --kernel VERSION         kernel version whose modules to use\n"
		"  --workers N              parallel insertions (default: online CPUs)\n"
		"  --backend kernel|simulated\n"
		"  --simulation-script FILE NAME:LATENCY_MS:ERRNO lines for the simulated backend\n"
		"  --log-target auto|journal|console\n"
		"  -h, --help, --version\n");
}

// >0: run, 0: exit successfully, <0: usage error.
int parseCommandLine(int argc, char **argv, CommandLine &cl)
{
	enum {
		OptOnce = 256,
		OptRoot,
		OptKernel,
		OptWorkers,
		OptBackend,
		OptScript,
		OptLog,
		OptVersion
	};
	static const option longOptions[] = {
		{"once", no_argument, nullptr, OptOnce},
		{"root", required_argument, nullptr, OptRoot},
		{"kernel", required_argument, nullptr, OptKernel},
		{"workers", required_argument, nullptr, OptWorkers},
		{"backend", required_argument, nullptr, OptBackend},
		{"simulation-script", required_argument, nullptr, OptScript},
		{"log-target", required_argument, nullptr, OptLog},
		{"help", no_argument, nullptr, 'h'},
		{"version", no_argument, nullptr, OptVersion},
		{nullptr, 0, nullptr, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", longOptions, nullptr)) >= 0) {
		std::string arg = optarg ? optarg : "";
		switch (c) {
		case OptOnce:
			cl.once = true;
			break;
		case OptRoot:
			cl.root = arg;
			break;
		case OptKernel:
			cl.kernel = arg;
			break;
		case OptWorkers: {
			unsigned n = 0;
			auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), n);
			if (ec != std::errc() || end != arg.data() + arg.size() || n > 1024) {
				fmt::print(stderr, "modloadd: --workers wants 0..1024, not '{}'\n",
					   arg);
				return -1;
			}
			cl.workers = n;
			break;
		}
		case OptBackend:
			if (arg != "kernel" && arg != "simulated") {
				fmt::print(stderr, "modloadd: unknown backend '{}'\n", arg);
				return -1;
			}
			cl.backend = arg == "kernel" ? BackendKind::Kernel : BackendKind::Simulated;
			break;
		case OptScript:
			cl.simulationScript = arg;
			break;
		case OptLog:
			if (arg != "auto" && arg != "journal" && arg != "console") {
				fmt::print(stderr, "modloadd: unknown log target '{}'\n", arg);
				return -1;
			}
			cl.logTarget = arg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OptVersion:
			fmt::print("modloadd {}\n", MODLOADD_VERSION);
			return 0;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fmt::print(stderr, "modloadd: unexpected argument '{}'\n", argv[optind]);
		return -1;
	}
	return 1;
}

LogTarget chooseLogTarget(const std::string &name)
{
	if (name == "journal")
		return LogTarget::Journal;
	if (name == "console")
		return LogTarget::Console;
	return Journal::autoTarget();
}

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
	ModuleIndex &index = session.index(); // reopened here, if depmod ran, not per lookup
	ModuleCatalog catalog{[&index] { return index.allModules(); },
			      [&index](const std::string &name) {
				      int err = 0;
				      return !index.lookup(name, err).empty();
			      }};
	std::vector<Request> requests;
	Diagnostics notices;
	for (const Rule *rule : fired) {
		std::vector<Request> asked = rules.requests(*rule, catalog, notices);
		journal.send(
			LOG_INFO, {{"MODLOADD_RULE", rule->name}, {"CONFIG_FILE", rule->file}},
			fmt::format("Rule '{}' holds{}: {} modules to load ({})", rule->name,
				    rule->description.empty() ? "" : " (" + rule->description + ")",
				    asked.size(), rule->file));
		for (Request &r : asked)
			requests.push_back(std::move(r));
	}
	reportDiagnostics(journal, notices, LOG_NOTICE);
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

// Everything the event loop serves: the session, the uevent monitor, the rules, readiness.
struct Daemon {
	Journal &journal;
	LoadSession &session;
	std::optional<UeventMonitor> monitor;
	std::string root;
	RuleBook &rules;
	DeviceSet &devices; // what the device conditions see
	bool ready = false;
	uint64_t deviceEvents = 0; // accepted uevents that asked for something
	uint64_t rescans = 0;
	sd_event_source *rescanSource = nullptr; // pending rescan, owned by the loop

	std::string status() const
	{
		std::string s = ready ? session.tally().summary()
				      : session.tally().progress(session.modules());
		if (monitor)
			s += fmt::format("; {} device events", deviceEvents);
		return s;
	}

	void becomeReady(std::string_view why)
	{
		if (ready)
			return;
		ready = true;
		reportSummary(journal, session.tally());
		if (!why.empty())
			journal.send(LOG_NOTICE, {}, std::string(why));
		sd_notifyf(0, "READY=1\nSTATUS=%s", status().c_str());
	}

	void afterProgress()
	{
		if (!ready && session.idle())
			becomeReady({});
		else
			sd_notifyf(0, "STATUS=%s", status().c_str());
	}
};

int onInsertions(sd_event_source *, int, uint32_t, void *userdata)
{
	auto *d = static_cast<Daemon *>(userdata);
	d->session.collect();
	d->afterProgress();
	return 0;
}

int onRescan(sd_event_source *source, void *userdata)
{
	auto *d = static_cast<Daemon *>(userdata);
	sd_event_source_unref(source);
	d->rescanSource = nullptr;
	d->rescans++;
	// Lost events may have removed devices too: the set is rebuilt from what sysfs holds now.
	d->devices.clear();
	std::vector<Request> requests;
	for (const Uevent &device : scanDevices(d->root))
		takeDevice(device, d->devices, requests);
	size_t added = d->session.submit(requests);
	added += fireRules(d->rules, d->devices, RuleScope::DevicesOnly, d->session, d->journal);
	d->journal.send(
		LOG_INFO, {{"MODLOADD_RESCAN", fmt::format("{}", d->rescans)}},
		fmt::format("Rescanned /sys/devices after lost uevents: {} new modules", added));
	d->afterProgress();
	return 0;
}

int onUevents(sd_event_source *source, int, uint32_t, void *userdata)
{
	auto *d = static_cast<Daemon *>(userdata);
	std::vector<Request> requests;
	bool appeared = false; // a device the device conditions can see
	bool lost = d->monitor->drain([&](Uevent &&event) {
		d->deviceEvents += takeDevice(event, d->devices, requests, &appeared) != 0;
	});
	if (!requests.empty())
		d->session.submit(requests);
	if (appeared)
		fireRules(d->rules, d->devices, RuleScope::DevicesOnly, d->session, d->journal);
	if (lost && !d->rescanSource) {
		// The kernel dropped events for us (ENOBUFS): whatever they announced is in sysfs,
		// so walk it again once the socket is drained.
		d->journal.send(LOG_WARNING,
				{{"MODLOADD_UEVENT_OVERFLOWS",
				  fmt::format("{}", d->monitor->counters().overflows)}},
				"The uevent socket overflowed (ENOBUFS): events were lost; "
				"rescanning /sys/devices");
		sd_event_add_defer(sd_event_source_get_event(source), &d->rescanSource, onRescan,
				   d);
	}
	d->afterProgress();
	return 0;
}

int onReadyTimeout(sd_event_source *, uint64_t, void *userdata)
{
	auto *d = static_cast<Daemon *>(userdata);
	d->becomeReady(fmt::format("Still loading modules for devices after the ready bound; "
				   "reporting ready, loading goes on ({})",
				   d->session.tally().progress(d->session.modules())));
	return 0;
}

int onHangup(sd_event_source *, const signalfd_siginfo *, void *userdata)
{
	// A daemon must not die of SIGHUP; re-reading configuration is not implemented yet.
	static_cast<Daemon *>(userdata)->journal.send(
		LOG_NOTICE, {},
		"SIGHUP received; configuration reload is not supported yet, ignoring");
	return 0;
}

// Serve until SIGTERM or SIGINT: finished insertions, uevents, the ready bound, the watchdog.
int serve(Daemon &d, unsigned readyTimeoutSec)
{
	sd_event *raw = nullptr;
	int r = sd_event_default(&raw);
	if (r < 0)
		return r;
	SdEvent event(raw);
	if ((r = sd_event_add_signal(event.get(), nullptr, SIGTERM, nullptr, nullptr)) < 0 ||
	    (r = sd_event_add_signal(event.get(), nullptr, SIGINT, nullptr, nullptr)) < 0 ||
	    (r = sd_event_add_signal(event.get(), nullptr, SIGHUP, onHangup, &d)) < 0 ||
	    (r = sd_event_add_io(event.get(), nullptr, d.session.eventFd(), EPOLLIN, onInsertions,
				 &d)) < 0)
		return r;
	if (d.monitor && (r = sd_event_add_io(event.get(), nullptr, d.monitor->fd(), EPOLLIN,
					      onUevents, &d)) < 0)
		return r;
	if (!d.ready && readyTimeoutSec &&
	    (r = sd_event_add_time_relative(event.get(), nullptr, CLOCK_MONOTONIC,
					    uint64_t{readyTimeoutSec} * 1000000, 0, onReadyTimeout,
					    &d)) < 0)
		return r;
	// Pings WATCHDOG=1 at half of WatchdogSec= when the unit sets it.
	sd_event_set_watchdog(event.get(), true);
	d.afterProgress();
	r = sd_event_loop(event.get());
	if (d.rescanSource)
		sd_event_source_unref(d.rescanSource);
	return r;
}

} // namespace

int main(int argc, char **argv)
try {
	// Parse the command line; it overrides modloadd.conf.
	CommandLine cl;
	int r = parseCommandLine(argc, argv, cl);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	Diagnostics settingsDiags;
	Settings settings = readSettings(cl.root, settingsDiags);
	if (cl.workers)
		settings.workers = *cl.workers;
	if (cl.backend)
		settings.backend = *cl.backend;
	if (cl.simulationScript)
		settings.simulationScript = *cl.simulationScript;
	if (cl.logTarget)
		settings.logTarget = *cl.logTarget;
	unsigned workers = settings.workers ? settings.workers
					    : std::max(1u, std::thread::hardware_concurrency());

	// Logging: structured journal entries under systemd (all levels: journald filters), plain
	// lines from info up on a terminal.
	LogTarget target = chooseLogTarget(settings.logTarget);
	Journal journal(target, target == LogTarget::Journal ? LOG_DEBUG : LOG_INFO);
	reportDiagnostics(journal, settingsDiags);

	// Block the signals the event loop will take before any worker thread inherits the mask.
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, nullptr);

	// Listen for uevents before walking sysfs, so a device that appears in between is seen
	// by one or the other (both, at worst: the session answers a repeat from memory).
	std::optional<UeventMonitor> monitor;
	if (!cl.once && settings.uevents != UeventsFrom::None) {
		int err = 0;
		monitor = UeventMonitor::open(settings.uevents == UeventsFrom::Udev
						      ? UeventSource::Udev
						      : UeventSource::Kernel,
					      settings.receiveBuffer, err);
		if (monitor)
			monitor->setRejectionObserver([&journal,
						       logged = 0u](UeventRejection kind,
								    std::string_view why) mutable {
				// A flood of bad datagrams must not become a flood of
				// entries: the first few are shown, all are counted.
				constexpr unsigned kShown = 10;
				if (++logged > kShown)
					return;
				bool spoofed = kind == UeventRejection::Spoofed;
				journal.send(spoofed ? LOG_WARNING : LOG_DEBUG, {},
					     fmt::format("Dropped a uevent: {}{}", why,
							 logged == kShown ? " (further drops are "
									    "only counted)"
									  : ""));
			});
		else
			journal.send(
				LOG_ERR, {{"ERRNO", fmt::format("{}", -err)}},
				fmt::format("Cannot listen for uevents: {}; hotplugged devices "
					    "will not get their modules",
					    strerror(-err)));
	}

	// Read the static sources (kernel command line, modules-load.d) and the devices present
	// (coldplug), and open libkmod's index.
	sd_notify(0, "STATUS=Reading modules-load.d and sysfs, resolving modules");
	std::string error;
	// Modules go into the running kernel: on the real root, its tree and no other.
	std::optional<std::string> kernel = cl.kernel;
	if (!kernel && cl.root == "/")
		kernel = runningKernelVersion();
	BootPlanInputs inputs{cl.root, kernel, settings.installCommands == InstallCommands::Run};
	auto sinceStart = [started = std::chrono::steady_clock::now()] {
		return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
								 started)
			.count();
	};
	auto plan = readBootSources(inputs, error);
	if (!plan) {
		journal.send(LOG_ERR, {}, fmt::format("Cannot plan module loading: {}", error));
		sd_notifyf(0, "STATUS=Failed: %s", error.c_str());
		return 1;
	}
	reportDiagnostics(journal, plan->diagnostics);

	// Load the static lists at once, then walk sysfs while they insert: each device found joins
	// the same run at once (shared dependencies are attempted once).
	std::unique_ptr<Backend> backend = makeBackend(settings, journal);
	LoadSession session(std::move(*plan->index), plan->options, *backend, workers, journal);
	// Refusals outlive a restart of the daemon but not the boot (/run is a tmpfs).
	if (size_t n = session.rememberRefusals(rootedPath(cl.root, "/run/modloadd/refused")))
		journal.send(
			LOG_INFO, {},
			fmt::format("{} modules the kernel refused earlier in this boot are not "
				    "tried again (/run/modloadd/refused)",
				    n));
	auto progress = [&session] {
		sd_notifyf(0, "STATUS=%s", session.tally().progress(session.modules()).c_str());
	};
	size_t queued = session.submit(plan->requests);
	// Rules about the machine alone fire now; the others once the devices present are known.
	Diagnostics ruleDiags;
	RuleBook rules(readRules(cl.root, ruleDiags), std::string(cl.root));
	reportDiagnostics(journal, ruleDiags);
	DeviceSet devices;
	queued += fireRules(rules, devices, RuleScope::MachineOnly, session, journal);
	progress();
	double staticMs = sinceStart();
	double firstDeviceMs = 0;
	size_t deviceRequests = 0;
	if (settings.coldplug) {
		// The walk is a thread of its own; this one feeds the workers and hands them every
		// device as soon as it is found.
		DeviceFeed feed{std::string(cl.root)};
		for (bool walking = true; walking;) {
			walking = !feed.done(); // read before take(): the last take gets the rest
			std::vector<Request> requests;
			for (const Uevent &device : feed.take())
				takeDevice(device, devices, requests);
			if (!requests.empty()) {
				if (deviceRequests == 0)
					firstDeviceMs = sinceStart();
				deviceRequests += requests.size();
				queued += session.submit(requests);
				progress();
			}
			pollfd p{session.eventFd(), POLLIN, 0};
			if (walking && poll(&p, 1, 10) > 0) {
				session.collect();
				progress();
			}
		}
	}
	double scanMs = sinceStart();
	queued += fireRules(rules, devices, RuleScope::All, session, journal);
	// Where the time before the first insertions goes, for whoever tunes the boot.
	journal.send(
		LOG_DEBUG, {},
		fmt::format("Static lists: {} requests queued by {:.1f} ms after start; sysfs: "
			    "first device request queued by {:.1f} ms, {} in all by {:.1f} ms; "
			    "{} modules queued in all",
			    plan->requests.size(), staticMs, firstDeviceMs, deviceRequests, scanMs,
			    queued));
	if (cl.once) {
		session.waitIdle();
		reportSummary(journal, session.tally());
		sd_notifyf(0, "READY=1\nSTATUS=%s", session.tally().summary().c_str());
		return session.tally().failed().empty() ? 0 : 1;
	}

	// Serve: READY=1 once that first graph has settled (or at the bound), then hotplug until
	// asked to stop.
	Daemon d{journal, session, std::move(monitor), std::string(cl.root), rules, devices};
	r = serve(d, settings.readyTimeoutSec);
	sd_notify(0, "STOPPING=1");
	if (d.monitor) {
		const UeventCounters &c = d.monitor->counters();
		journal.send(
			LOG_INFO,
			{{"MODLOADD_UEVENTS_RECEIVED", fmt::format("{}", c.received)},
			 {"MODLOADD_UEVENTS_DROPPED",
			  fmt::format("{}", c.malformed + c.badModalias + c.truncated + c.spoofed)},
			 {"MODLOADD_UEVENT_OVERFLOWS", fmt::format("{}", c.overflows)}},
			fmt::format("Stopping: {} uevents received, {} accepted, {} malformed, "
				    "{} with a bad modalias, {} truncated, {} from a wrong "
				    "sender, {} overflows ({} rescans)",
				    c.received, c.accepted, c.malformed, c.badModalias, c.truncated,
				    c.spoofed, c.overflows, d.rescans));
	}
	if (r < 0) {
		journal.send(LOG_ERR, {{"ERRNO", fmt::format("{}", -r)}},
			     fmt::format("Event loop failed: {}", strerror(-r)));
		return 1;
	}
	return 0;
} catch (const std::exception &e) {
	fmt::print(stderr, "modloadd: {}\n", e.what());
	return 1;
}
