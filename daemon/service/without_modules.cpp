// Serving while module loading is disabled: ready at once, idle until stopped.
#include "service/without_modules.h"

#include "report/daemon_report.h"
#include "report/notify.h"
#include "service/event_loop.h"
#include "service/reload.h"
#include "service/state_writer.h"
#include "system/process_name.h"

#include <csignal>
#include <string>
#include <vector>

namespace modloadd {

namespace {

constexpr const char *kStatus = "Module loading is disabled (modules_disabled=1); nothing to load";

} // namespace

int serveWithoutModules(const DaemonOptions &options, Journal &journal)
{
	reportModulesDisabled(journal);
	notifyReady(kStatus);
	if (options.once)
		return 0;
	auto loop = EventLoop::open();
	if (!loop) {
		reportStartFailure(journal, loop.error());
		return 1;
	}
	// A reload finishes at once, so that `modloadctl reload` (ExecReload=) does not wait.
	auto same = [] { return std::string(kStatus); };
	Reloader reloader(*loop, journal, options.root,
			  Reloader::Hooks{[] { return Reloader::ReadWork(); }, [] { return true; },
					  [] { return true; }, same, same});
	std::vector<Result<SdEventSource>> sources;
	sources.push_back(loop->onSignal(SIGTERM));
	sources.push_back(loop->onSignal(SIGINT));
	sources.push_back(loop->onSignal(SIGHUP, [&reloader](const signalfd_siginfo &info) {
		pid_t sender = static_cast<pid_t>(info.ssi_pid);
		reloader.request(sender > 0 ? "SIGHUP from " + describeProcess(sender) : "SIGHUP",
				 sender);
	}));
	for (Result<SdEventSource> &source : sources)
		if (!source) {
			reportStartFailure(journal, source.error());
			return 1;
		}
	if (int r = loop->enableWatchdog(); r < 0)
		reportNoWatchdog(journal, r);
	// modloadctl status says why nothing loads.
	StateWriter state(*loop, journal, options.root, [&reloader] {
		return DaemonParts{nullptr, nullptr, &reloader, true, true, kStatus};
	});
	state.writeNow("disabled");
	int r = loop->run();
	state.writeNow("stopping");
	notifyStopping();
	if (r < 0) {
		reportLoopFailure(journal, r);
		return 1;
	}
	return 0;
}

} // namespace modloadd
