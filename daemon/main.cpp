// modloadd: loads the kernel modules a system asks for, in dependency order, in parallel.
#include "base/journal.h"
#include "base/strings.h"
#include "config/settings.h"
#include "report/outcome_report.h"
#include "service/daemon.h"

#include <csignal>
#include <exception>
#include <fmt/format.h>
#include <getopt.h>

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
			auto n = parseDecimal(arg);
			if (!n || *n > 1024) {
				fmt::print(stderr, "modloadd: --workers wants 0..1024, not '{}'\n",
					   arg);
				return -1;
			}
			cl.workers = static_cast<unsigned>(*n);
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

} // namespace

int main(int argc, char **argv)
try {
	// Parse the command line; it overrides modloadd.conf, now and at every reload.
	CommandLine cl;
	int r = parseCommandLine(argc, argv, cl);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	DaemonOptions options;
	options.root = cl.root;
	options.kernel = cl.kernel;
	options.once = cl.once;
	options.overrides = [cl](Settings &s) {
		if (cl.workers)
			s.workers = *cl.workers;
		if (cl.backend)
			s.backend = *cl.backend;
		if (cl.simulationScript)
			s.simulationScript = *cl.simulationScript;
		if (cl.logTarget)
			s.logTarget = *cl.logTarget;
	};
	Diagnostics settingsDiags;
	Settings settings = readSettings(cl.root, settingsDiags);
	options.overrides(settings);

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

	return runDaemon(options, std::move(settings), journal);
} catch (const std::exception &e) {
	fmt::print(stderr, "modloadd: {}\n", e.what());
	return 1;
}
