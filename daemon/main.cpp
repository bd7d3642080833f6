// modloadd: loads the kernel modules a system asks for, in dependency order, in parallel.
#include "base/handles.h"
#include "base/journal.h"
#include "config/settings.h"
#include "load/kernel_backend.h"
#include "load/simulated_backend.h"
#include "load/worker_pool.h"
#include "report/outcome_report.h"
#include "resolve/boot_plan.h"

#include <charconv>
#include <csignal>
#include <exception>
#include <fmt/format.h>
#include <fstream>
#include <getopt.h>
#include <sstream>
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
		"Loads the modules listed in modules-load.d and on the kernel command line.\n"
		"\n"
		"  --once                   exit when the work is done (exit 1 if a module "
		"failed)\n"
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

int onHangup(sd_event_source *, const signalfd_siginfo *, void *userdata)
{
	// A daemon must not die of SIGHUP; re-reading configuration is not implemented yet.
	static_cast<Journal *>(userdata)->send(
		LOG_NOTICE, {},
		"SIGHUP received; configuration reload is not supported yet, ignoring");
	return 0;
}

// Serve until SIGTERM or SIGINT, answering the watchdog. Later stages add their sources here.
int serve(Journal &journal)
{
	sd_event *raw = nullptr;
	int r = sd_event_default(&raw);
	if (r < 0)
		return r;
	SdEvent event(raw);
	if ((r = sd_event_add_signal(event.get(), nullptr, SIGTERM, nullptr, nullptr)) < 0 ||
	    (r = sd_event_add_signal(event.get(), nullptr, SIGINT, nullptr, nullptr)) < 0 ||
	    (r = sd_event_add_signal(event.get(), nullptr, SIGHUP, onHangup, &journal)) < 0)
		return r;
	// Pings WATCHDOG=1 at half of WatchdogSec= when the unit sets it.
	sd_event_set_watchdog(event.get(), true);
	return sd_event_loop(event.get());
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

	// Resolve the static sources (kernel command line, modules-load.d) against libkmod.
	sd_notify(0, "STATUS=Reading modules-load.d and resolving modules");
	std::string error;
	// Modules go into the running kernel: on the real root, its tree and no other.
	std::optional<std::string> kernel = cl.kernel;
	if (!kernel && cl.root == "/")
		kernel = runningKernelVersion();
	BootPlanInputs inputs{cl.root, kernel, settings.installCommands == InstallCommands::Run};
	auto plan = makeBootPlan(inputs, error);
	if (!plan) {
		journal.send(LOG_ERR, {}, fmt::format("Cannot plan module loading: {}", error));
		sd_notifyf(0, "STATUS=Failed: %s", error.c_str());
		return 1;
	}
	reportDiagnostics(journal, plan->diagnostics);

	// Load: a module starts once all it waits for is settled; each outcome is reported as it
	// settles.
	std::unique_ptr<Backend> backend = makeBackend(settings, journal);
	Scheduler scheduler(toJobs(plan->graph));
	Tally tally;
	const size_t total = plan->graph.modules.size();
	runToCompletion(scheduler, toLoadJobs(plan->graph), *backend, workers,
			[&](size_t i, const Outcome &o) {
				reportOutcome(journal, plan->graph.modules[i], o);
				tally.add(plan->graph.modules[i], o);
				sd_notifyf(0, "STATUS=%s", tally.progress(total).c_str());
			});

	// Ready: the static sources are done.
	reportSummary(journal, tally);
	sd_notifyf(0, "READY=1\nSTATUS=%s", tally.summary().c_str());
	if (cl.once)
		return tally.failed().empty() ? 0 : 1;

	// Stay: serve until asked to stop.
	r = serve(journal);
	sd_notify(0, "STOPPING=1");
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
