// modloadctl: ask modloadd's questions without the daemon. `plan` is the dry run of a boot.
#include "config/settings.h"
#include "report/plan_output.h"
#include "resolve/boot_plan.h"

#include <cstdio>
#include <exception>
#include <fmt/format.h>
#include <getopt.h>
#include <string>

using namespace modloadd;

namespace {

void usage(FILE *to)
{
	fmt::print(to, "Usage: modloadctl [OPTIONS] COMMAND\n"
		       "\n"
		       "Commands:\n"
		       "  plan            what the next boot would load, in order: the kernel\n"
		       "                  command line, modules-load.d and the devices present\n"
		       "\n"
		       "Options:\n"
		       "  --root DIR      read configuration and modules under DIR (default /)\n"
		       "  --kernel VER    the kernel version whose modules to use\n"
		       "  --json          print one JSON object\n"
		       "  --no-devices    leave out the devices under ROOT/sys/devices\n"
		       "  -h, --help      show this help\n"
		       "  --version       show the version\n");
}

struct Options {
	std::string command;
	BootPlanInputs inputs;
	bool json = false;
	bool devices = true;
};

int parse(int argc, char **argv, Options &opts)
{
	enum { OptRoot = 256, OptKernel, OptJson, OptNoDevices, OptVersion };
	static const option longOptions[] = {
		{"root", required_argument, nullptr, OptRoot},
		{"kernel", required_argument, nullptr, OptKernel},
		{"json", no_argument, nullptr, OptJson},
		{"no-devices", no_argument, nullptr, OptNoDevices},
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
		case OptNoDevices:
			opts.devices = false;
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
	if (optind + 1 < argc) {
		fmt::print(stderr, "modloadctl: unexpected argument '{}'\n", argv[optind + 1]);
		return -1;
	}
	return 1;
}

int plan(Options opts)
{
	// The daemon's own settings decide what the plan shows for install commands.
	Diagnostics diags;
	Settings settings = readSettings(opts.inputs.root, diags);
	opts.inputs.allowInstallCommands = settings.installCommands == InstallCommands::Run;
	opts.inputs.devices = opts.devices && settings.coldplug;
	std::string error;
	auto p = makeBootPlan(opts.inputs, error);
	if (!p) {
		fmt::print(stderr, "modloadctl: {}\n", error);
		return 1;
	}
	p->diagnostics.insert(p->diagnostics.begin(), diags.begin(), diags.end());
	fmt::print("{}", opts.json ? planJson(*p) : planTable(*p));
	return 0;
}

} // namespace

int main(int argc, char **argv)
try {
	Options opts;
	int r = parse(argc, argv, opts);
	if (r <= 0)
		return r < 0 ? 2 : 0;
	if (opts.command == "plan")
		return plan(opts);
	fmt::print(stderr, "modloadctl: unknown command '{}'\n", opts.command);
	usage(stderr);
	return 2;
} catch (const std::exception &e) {
	fmt::print(stderr, "modloadctl: {}\n", e.what());
	return 1;
}
