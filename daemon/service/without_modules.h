// The daemon's run when the kernel takes no module (kernel.modules_disabled=1).
#pragma once

#include "base/journal.h"
#include "service/daemon.h"

namespace modloadd {

// One entry, READY=1 at once, no configuration read and no insertion attempted; then, unless
// `once`, the signals and the watchdog until SIGTERM or SIGINT (a reload ends at once: there is
// nothing to read it for). Returns the exit status: 0, or 1 when the event loop failed.
int serveWithoutModules(const DaemonOptions &options, Journal &journal);

} // namespace modloadd
