// modloadctl: ask modloadd's questions without the daemon. `plan` is the dry run of a boot,
// `verify` the check of configuration files an image build can run.
#include "base/strings.h"
#include "config/conf_files.h"
#include "config/modules_load_d.h"
#include "config/settings.h"
#include "report/plan_output.h"
#include "resolve/boot_plan.h"
#include "rules/rule_file.h"

#include <cstdio>
#include <exception>
#include <fmt/format.h>
#include <getopt.h>
#include <string>
#include <vector>

using namespace modloadd;

namespace {

void usage(FILE *to)
{
	fmt::print(to, "Usage: modloadctl [OPTIONS] COMMAND\n"
		       "\n"
		       "Commands:\n"
		       "  plan            what the next boot would load, in order: the kernel\n"
		       "                  command line, modules-load.d, the devices present\n"
		       "                  and the rules that hold; and each rule's verdict\n"
		       "  verify [FILE...]  check configuration without loading anything: the\n"
		       "                  files named (by kind: *.rules, modloadd.conf, other\n"
		       "                  *.conf as modules-load.d) or all of ROOT's\n"
		       "\n"
		       "Options:\n"
		       "  --root DIR      read configuration and modules under DIR (default /)\n"
		       "  --kernel VER    the kernel version whose modules to use\n"
		       "  --json          print one JSON object\n"
		       "  --no-devices    leave out the devices under ROOT/sys/devices (the\n"
		       "                  rules' device conditions then see none)\n"
		       "  -h, --help      show this help\n"
		       "  --version       show the version\n");
}

struct Options {
	std::string command;
	std::vector<std::string> files; // verify's arguments
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
	if (opts.command == "verify") {
		opts.files.assign(argv + optind + 1, argv + argc);
		return 1;
	}
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
	opts.inputs.rules = true;
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

// What kind of configuration a file is, by its name.
enum class ConfKind { Rule, Settings, ModulesLoad };

ConfKind kindOf(const std::string &path)
{
	if (endsWith(path, kRulesSuffix))
		return ConfKind::Rule;
	if (endsWith(path, "/modloadd.conf") || path == "modloadd.conf" ||
	    path.find("/modloadd.conf.d/") != std::string::npos)
		return ConfKind::Settings;
	return ConfKind::ModulesLoad;
}

// Checks one file; problems go to `diags`. Returns false when it could not be read.
bool verifyFile(const ConfFile &file, ConfKind kind, Diagnostics &diags)
{
	std::string text;
	int r = readConfFileText(file.path, text);
	if (r < 0) {
		diags.push_back(readFailure(file.displayPath, r));
		return false;
	}
	switch (kind) {
	case ConfKind::Rule: {
		Rule rule;
		parseRule(text, file.displayPath, rule, diags);
		break;
	}
	case ConfKind::Settings: {
		Settings settings;
		applySettingsText(settings, text, file.displayPath, diags);
		break;
	}
	case ConfKind::ModulesLoad:
		parseModulesLoadFile(file, diags);
		break;
	}
	return true;
}

int verify(const Options &opts)
{
	std::vector<std::pair<ConfFile, ConfKind>> files;
	Diagnostics diags;
	if (opts.files.empty()) {
		// Everything the daemon would read under ROOT.
		std::string_view root = opts.inputs.root;
		for (ConfFile &f : listConfFiles(root, "modules-load.d", ".conf", diags))
			files.push_back({std::move(f), ConfKind::ModulesLoad});
		for (ConfFile &f : settingsFiles(root, diags))
			files.push_back({std::move(f), ConfKind::Settings});
		for (ConfFile &f : listConfFiles(root, kRulesSubdir, kRulesSuffix, diags))
			files.push_back({std::move(f), ConfKind::Rule});
	} else {
		for (const std::string &path : opts.files)
			files.push_back({{path, path}, kindOf(path)});
	}
	for (const auto &[file, kind] : files)
		verifyFile(file, kind, diags);
	for (const Diagnostic &d : diags) {
		std::string where = diagnosticLocation(d);
		fmt::print("{}{}{}\n", where, where.empty() ? "" : ": ", d.message);
	}
	fmt::print("{} files checked, {} problems\n", files.size(), diags.size());
	return diags.empty() ? 0 : 1;
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
	if (opts.command == "verify")
		return verify(opts);
	fmt::print(stderr, "modloadctl: unknown command '{}'\n", opts.command);
	usage(stderr);
	return 2;
} catch (const std::exception &e) {
	fmt::print(stderr, "modloadctl: {}\n", e.what());
	return 1;
}
