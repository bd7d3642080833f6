// `modloadctl verify` (the configuration checked without loading anything) and `modloadctl
// reload` (the running daemon made to read it again, waited for).
#pragma once

#include <string>
#include <sys/types.h>
#include <vector>

namespace modloadd {

// Checks FILES (by kind: *.rules, modloadd.conf, other *.conf as modules-load.d), or, without
// any, every file the daemon would read under ROOT. Prints each problem with its file and line
// (with JSON: {"files_checked", "problems": [{"file", "line", "message"}]}); 0 without
// problems, 1 with some.
int verifyConfiguration(const std::string &root, const std::vector<std::string> &files, bool json);

// SIGHUP to the daemon PID, then waits up to TIMEOUTSEC for the reload that answers it; without
// a PID, `systemctl reload modloadd.service`. With JSON, prints the reload record that
// answered ({"reloaded", "daemon", "generation", "requested_by"}, or "reloaded": false and
// "error"). 0 once reloaded, 1 otherwise.
int reloadDaemon(const std::string &root, pid_t pid, unsigned timeoutSec, bool json);

} // namespace modloadd
