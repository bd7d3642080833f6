// modloadd: loads the kernel modules a system asks for, in dependency order, in parallel.
#include "base/journal.h"
#include "config/settings.h"
#include "report/outcome_report.h"
#include "service/command_line.h"
#include "service/daemon.h"

#include <csignal>
#include <exception>
#include <fmt/format.h>

using namespace modloadd;

int main(int argc, char **argv)
try {
	// The command line; what it sets overrides modloadd.conf, now and at every reload.
	CommandLine cl = parseCommandLine(argc, argv);
	if (cl.exitNow)
		return *cl.exitNow;

	// The settings: modloadd.conf and its drop-ins under the root, then the command line.
	Diagnostics settingsDiags;
	Settings settings = readSettings(cl.daemon.root, settingsDiags);
	cl.daemon.overrides(settings);

	// Logging: structured journal entries under systemd (all levels: journald filters), plain
	// lines from info up on a terminal.
	LogTarget target = chooseLogTarget(settings.logTarget);
	Journal journal(target, target == LogTarget::Journal ? LOG_DEBUG : LOG_INFO);
	reportDiagnostics(journal, settingsDiags);

	// The signals the event loop takes, blocked before any worker thread inherits the mask.
	sigset_t mask;
	sigemptyset(&mask);
	for (int signal : {SIGTERM, SIGINT, SIGHUP})
		sigaddset(&mask, signal);
	pthread_sigmask(SIG_BLOCK, &mask, nullptr);

	// The daemon: the boot's sources, resolved and loaded, then devices and reloads as they
	// come, until SIGTERM (or, with --once, until the devices present have settled).
	Daemon daemon(std::move(cl.daemon), std::move(settings), journal);
	return daemon.run();
} catch (const std::exception &e) {
	fmt::print(stderr, "modloadd: {}\n", e.what());
	return 1;
}
