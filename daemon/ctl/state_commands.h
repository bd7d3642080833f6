// `modloadctl status` and `modloadctl list`: what the running daemon did this boot, from the
// state it publishes (ROOT/run/modloadd/state.json). No privilege needed: the file is
// world-readable.
#pragma once

#include <string_view>

namespace modloadd {

// Exit statuses, as LSB's for `status`: no daemon runs (no state file, or one a process that is
// gone wrote), and a state file that cannot be read or is not one modloadd wrote.
inline constexpr int kExitNotRunning = 3;
inline constexpr int kExitUnknown = 4;

// The summary, or with JSON the state without its modules. 0, or one of the statuses above.
int showStatus(std::string_view root, bool json);
// A table of the modules (the failed and timed-out ones with FAILED_ONLY), or JSON.
int listModules(std::string_view root, bool json, bool failedOnly);

} // namespace modloadd
