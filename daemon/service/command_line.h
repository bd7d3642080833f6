// modloadd's command line: what it overrides of modloadd.conf, now and at every reload.
#pragma once

#include "base/journal.h"
#include "config/settings.h"
#include "service/daemon.h"

#include <optional>
#include <string>

namespace modloadd {

struct CommandLine {
	DaemonOptions daemon;
	std::optional<int> exitNow; // --help, --version (0) or a usage error (2): exit with it
};

// Parses ARGV; usage errors are printed on stderr, --help and --version on stdout.
CommandLine parseCommandLine(int argc, char **argv);

// "auto" (the journal when stderr is the journal's stream), "journal" or "console".
LogTarget chooseLogTarget(const std::string &name);

} // namespace modloadd
