// The daemon's run: the start (the static lists, the rules, the devices present), then the
// event loop until SIGTERM or SIGINT: finished insertions, uevents, reloads (SIGHUP, changes in
// the configuration directories), the ready bound, the watchdog.
#pragma once

#include "base/journal.h"
#include "config/settings.h"

#include <functional>
#include <optional>
#include <string>

namespace modloadd {

struct DaemonOptions {
	std::string root = "/";
	std::optional<std::string> kernel; // default: the running kernel on "/", else the only one
	bool once = false;		   // load for the lists and the devices present, then exit
	// What the command line sets over modloadd.conf, at start and again at every reload.
	std::function<void(Settings &)> overrides = [](Settings &) {};
};

// Runs the daemon; returns the process's exit status. The caller has blocked SIGTERM, SIGINT
// and SIGHUP in every thread (the event loop takes them) and applied the overrides to
// `settings`.
int runDaemon(const DaemonOptions &options, Settings settings, Journal &journal);

} // namespace modloadd
