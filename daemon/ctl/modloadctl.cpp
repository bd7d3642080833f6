// modloadctl: ask modloadd's questions. `status` and `list` read what the running daemon did;
// `plan` is the dry run of a boot, `explain` the why of one module's file and state, `verify`
// the check of configuration files an image build can run, all three without the daemon;
// `reload` is the unit's ExecReload=.
#include "base/strings.h"
#include "config/settings.h"
#include "ctl/config_commands.h"
#include "ctl/state_commands.h"
#include "report/doctor_output.h"
#include "report/explain_output.h"
#include "report/plan_output.h"
#include "service/boot_plan.h"
#include "service/doctor.h"
#include "service/reload_record.h"

#include <cstdio>
#include <exception>
#include <fmt/format.h>
#include <getopt.h>
#include <optional>
#include <string>
#include <unistd.h>
#include <vector>

using namespace modloadd;

namespace {

void usage(FILE *to)
{
	fmt::print(to, "Usage: modloadctl [OPTIONS] COMMAND\n"
		       "\n"
		       "Commands:\n"
		       "  status          the running daemon: since when, its phase, reloads,\n"
		       "                  counts by outcome, uevents, failed and stuck inserts\n"
		       "  list [--failed] every module the daemon handled this boot: outcome,\n"
		       "                  time taken, origins; why a failure failed\n"
		       "  plan            what the next boot would load, in order: the kernel\n"
		       "                  command line, modules-load.d, the devices present\n"
		       "                  and the rules that hold; and each rule's verdict\n"
		       "  verify [FILE...]  check configuration without loading anything: the\n"
		       "                  files named (by kind: *.rules, modloadd.conf, other\n"
		       "                  *.conf as modules-load.d) or all of ROOT's\n"
		       "  explain NAME|ALIAS|MODALIAS|DEVPATH\n"
		       "                  step by step: the patterns that match, the file that\n"
		       "                  loads and every other copy with why it lost (depmod.d),\n"
		       "                  dependencies, softdeps, blacklist, options, the running\n"
		       "                  copy's srcversion, taint, firmware, and the\n"
		       "                  initramfs's copy\n"
		       "  doctor          every problem found, each with the module, why it\n"
		       "                  matters and the fix: depmod-stale, missing-module,\n"
		       "                  blacklisted-listed, shadowed-copy, live-differs,\n"
		       "                  initramfs-differs, firmware-missing, takeover-partial;\n"
		       "                  exit 0 without findings, 1 with some\n"
		       "  reload          have the running daemon read its configuration again\n"
		       "                  and load what is new; returns when it is done\n"
		       "                  (without --pid: systemctl reload modloadd.service)\n"
		       "\n"
		       "Options:\n"
		       "  --root DIR      read configuration and modules under DIR (default /)\n"
		       "  --kernel VER    the kernel version whose modules to use\n"
		       "  --json          print one JSON object\n"
		       "  --failed        list: only the modules that failed or timed out\n"
		       "  --no-devices    leave out the devices under ROOT/sys/devices (the\n"
		       "                  rules' device conditions then see none)\n"
		       "  --pid PID       reload: the daemon to signal (the unit's $MAINPID)\n"
		       "  --timeout SEC   reload: how long to wait (default 90)\n"
		       "  -h, --help      show this help\n"
		       "  --version       show the version\n");
}

struct Options {
	std::string command;
	std::vector<std::string> files; // verify's arguments
	std::string query;		// explain's argument
	BootInputs inputs;
	bool json = false;
	bool failed = false; // list: the failures only
	bool devices = true;
	pid_t pid = 0;		  // reload: the daemon
	unsigned timeoutSec = 90; // reload: TimeoutStartSec= of the unit
};

int parse(int argc, char **argv, Options &opts)
{
	enum {
		OptRoot = 256,
		OptKernel,
		OptJson,
		OptFailed,
		OptNoDevices,
		OptPid,
		OptTimeout,
		OptVersion
	};
	static const option longOptions[] = {
		{"root", required_argument, nullptr, OptRoot},
		{"kernel", required_argument, nullptr, OptKernel},
		{"json", no_argument, nullptr, OptJson},
		{"failed", no_argument, nullptr, OptFailed},
		{"no-devices", no_argument, nullptr, OptNoDevices},
		{"pid", required_argument, nullptr, OptPid},
		{"timeout", required_argument, nullptr, OptTimeout},
		{"help", no_argument, nullptr, 'h'},
		{"version", no_argument, nullptr, OptVersion},
		{nullptr, 0, nullptr, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", longOptions, nullptr)) >= 0) {
		switch (c) {
		case OptRoot:
			opts.inputs.root = optarg;
			break;
		case OptKernel:
			opts.inputs.kernel = optarg;
			break;
		case OptJson:
			opts.json = true;
			break;
		case OptFailed:
			opts.failed = true;
			break;
		case OptNoDevices:
			opts.devices = false;
			break;
		case OptPid:
			if (auto pid = parsePid(optarg))
				opts.pid = *pid;
			else {
				fmt::print(stderr,
					   "modloadctl: --pid wants a process ID, not '{}'\n",
					   optarg);
				return -1;
			}
			break;
		case OptTimeout:
			if (auto n = parseDecimal(optarg); n && *n >= 1 && *n <= 86400)
				opts.timeoutSec = static_cast<unsigned>(*n);
			else {
				fmt::print(stderr,
					   "modloadctl: --timeout wants seconds from 1 to 86400, "
					   "not '{}'\n",
					   optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OptVersion:
			fmt::print("modloadctl {}\n", MODLOADD_VERSION);
			return 0;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return -1;
	}
	opts.command = argv[optind];
	if (opts.command == "verify") {
		opts.files.assign(argv + optind + 1, argv + argc);
		return 1;
	}
	if (opts.command == "explain") {
		if (optind + 2 != argc) {
			fmt::print(stderr, "modloadctl: explain wants one NAME, ALIAS, MODALIAS or "
					   "DEVPATH\n");
			return -1;
		}
		opts.query = argv[optind + 1];
		return 1;
	}
	if (optind + 1 < argc) {
		fmt::print(stderr, "modloadctl: unexpected argument '{}'\n", argv[optind + 1]);
		return -1;
	}
	return 1;
}

// The daemon's own settings under INPUTS' root, as they decide what it loads: install commands
// and the modules devices may not load, set in INPUTS; the rest returned, the file's own
// problems in DIAGS.
Settings applyDaemonSettings(BootInputs &inputs, Diagnostics &diags)
{
	Settings settings = readSettings(inputs.root, diags);
	inputs.allowInstallCommands = settings.installCommands == InstallCommands::Run;
	inputs.denyModules = settings.denyModules;
	return settings;
}

int plan(Options opts)
{
	Diagnostics diags;
	Settings settings = applyDaemonSettings(opts.inputs, diags);
	auto p = makeBootPlan(opts.inputs, opts.devices && settings.coldplug);
	if (!p) {
		fmt::print(stderr, "modloadctl: {}\n", p.error().message);
		return 1;
	}
	p->diagnostics.insert(p->diagnostics.begin(), diags.begin(), diags.end());
	fmt::print("{}", opts.json ? planJson(*p) : planTable(*p));
	return 0;
}

// Exit 0 when something matches, 1 when nothing does (or the tree cannot be read).
int explain(const Options &opts)
{
	auto tree = findKernelTree(opts.inputs.root, opts.inputs.kernel);
	if (!tree) {
		fmt::print(stderr, "modloadctl: {}\n", tree.error().message);
		return 1;
	}
	auto index = ModuleIndex::open(opts.inputs.root, *tree);
	if (!index) {
		fmt::print(stderr, "modloadctl: {}\n", index.error().message);
		return 1;
	}
	// Its own problems are verify's to report; explain only needs DenyModules=.
	Diagnostics settingsDiags;
	Settings settings = readSettings(opts.inputs.root, settingsDiags);
	auto ex = explainQuery(*index, opts.query, settings.denyModules);
	if (!ex) {
		fmt::print(stderr, "modloadctl: {}\n", ex.error().message);
		return 1;
	}
	fmt::print("{}", opts.json ? explainJson(*ex) : explainText(*ex));
	if (ex->modules.empty()) {
		fmt::print(stderr, "modloadctl: no module matches '{}' in {}\n", ex->lookedUp,
			   tree->displayDir);
		return 1;
	}
	return 0;
}

// Exit 0 without findings, 1 with findings, 2 when the tree cannot be examined.
int doctor(Options opts)
{
	Diagnostics diags; // verify's to report
	applyDaemonSettings(opts.inputs, diags);
	auto report = runDoctor(opts.inputs);
	if (!report) {
		fmt::print(stderr, "modloadctl: {}\n", report.error().message);
		return 2;
	}
	fmt::print("{}", opts.json ? doctorJson(*report) : doctorText(*report));
	return report->findings.empty() ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
try {
	Options opts;
	int r = parse(argc, argv, opts);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	if (opts.failed && opts.command != "list") {
		fmt::print(stderr, "modloadctl: --failed goes with list only\n");
		return 2;
	}
	if (opts.command == "status")
		return showStatus(opts.inputs.root, opts.json);
	if (opts.command == "list")
		return listModules(opts.inputs.root, opts.json, opts.failed);
	if (opts.command == "plan")
		return plan(opts);
	if (opts.command == "verify")
		return verifyConfiguration(opts.inputs.root, opts.files, opts.json);
	if (opts.command == "explain")
		return explain(opts);
	if (opts.command == "doctor")
		return doctor(opts);
	if (opts.command == "reload")
		return reloadDaemon(opts.inputs.root, opts.pid, opts.timeoutSec, opts.json);
	fmt::print(stderr, "modloadctl: unknown command '{}'\n", opts.command);
	usage(stderr);
	return 2;
} catch (const std::exception &e) {
	fmt::print(stderr, "modloadctl: {}\n", e.what());
	return 1;
}
