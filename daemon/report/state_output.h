// `modloadctl status` and `modloadctl list` for people: the daemon's state as a summary and as a
// table of modules.
#pragma once

#include "report/daemon_state.h"

#include <cstdint>
#include <string>

namespace modloadd {

// "modloadd: settled, ready (PID 1234)", then since when, the reloads, STATUS=, the counts by
// outcome, the uevent counters, and the modules that failed, timed out or are still inserting.
// NOW_USEC (CLOCK_REALTIME) for "3 min ago".
std::string statusText(const DaemonState &state, uint64_t nowUsec);

// MODULE OUTCOME TIME ORIGIN, one row per module (only the failed ones, failed or timed out,
// with FAILED_ONLY); under a failure, why and the kernel's lines; a count at the end.
std::string listTable(const DaemonState &state, bool failedOnly);

// "0.3 ms", "12 ms", "1.5 s"; "-" for none.
std::string formatDuration(const std::optional<double> &ms);

} // namespace modloadd
