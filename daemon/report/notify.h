// What the daemon tells the service manager (sd_notify(3)); each call is a no-op outside
// systemd (no $NOTIFY_SOCKET).
#pragma once

#include <cstdint>
#include <string_view>

namespace modloadd {

// STATUS=: one line `systemctl status` shows.
void notifyStatus(std::string_view status);
// READY=1 with STATUS=: start-up (or a reload) is done.
void notifyReady(std::string_view status);
// RELOADING=1 with MONOTONIC_USEC= (CLOCK_MONOTONIC, as systemd wants it) and a STATUS=.
void notifyReloading(uint64_t monotonicUsec);
// STOPPING=1.
void notifyStopping();

} // namespace modloadd
