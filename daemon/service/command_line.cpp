// Parsing modloadd's options.
#include "service/command_line.h"

#include "base/strings.h"

#include <fmt/format.h>
#include <getopt.h>

namespace modloadd {

namespace {

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

// What the options set over modloadd.conf.
struct Overrides {
	std::optional<unsigned> workers;
	std::optional<BackendKind> backend;
	std::optional<std::string> simulationScript;
	std::optional<std::string> logTarget;

	void apply(Settings &s) const
	{
		if (workers)
			s.workers = *workers;
		if (backend)
			s.backend = *backend;
		if (simulationScript)
			s.simulationScript = *simulationScript;
		if (logTarget)
			s.logTarget = *logTarget;
	}
};

// 1: run, 0: exit successfully, -1: usage error.
int parse(int argc, char **argv, DaemonOptions &daemon, Overrides &o)
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
			daemon.once = true;
			break;
		case OptRoot:
			daemon.root = arg;
			break;
		case OptKernel:
			daemon.kernel = arg;
			break;
		case OptWorkers: {
			auto n = parseDecimal(arg);
			if (!n || *n > 1024) {
				fmt::print(stderr, "modloadd: --workers wants 0..1024, not '{}'\n",
					   arg);
				return -1;
			}
			o.workers = static_cast<unsigned>(*n);
			break;
		}
		case OptBackend:
			if (arg != "kernel" && arg != "simulated") {
				fmt::print(stderr, "modloadd: unknown backend '{}'\n", arg);
				return -1;
			}
			o.backend = arg == "kernel" ? BackendKind::Kernel : BackendKind::Simulated;
			break;
		case OptScript:
			o.simulationScript = arg;
			break;
		case OptLog:
			if (arg != "auto" && arg != "journal" && arg != "console") {
				fmt::print(stderr, "modloadd: unknown log target '{}'\n", arg);
				return -1;
			}
			o.logTarget = arg;
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

} // namespace

CommandLine parseCommandLine(int argc, char **argv)
{
	CommandLine cl;
	Overrides overrides;
	int r = parse(argc, argv, cl.daemon, overrides);
	if (r <= 0)
		cl.exitNow = r < 0 ? 2 : 0;
	cl.daemon.overrides = [overrides](Settings &s) { overrides.apply(s); };
	return cl;
}

LogTarget chooseLogTarget(const std::string &name)
{
	if (name == "journal")
		return LogTarget::Journal;
	if (name == "console")
		return LogTarget::Console;
	return Journal::autoTarget();
}

} // namespace modloadd
