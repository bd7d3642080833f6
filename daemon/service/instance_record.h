// /run/modloadd/instance: the PID of the daemon that last started in this boot (/run does not
// outlive it), so that a restart knows it is one and says so.
#pragma once

#include <optional>
#include <string_view>
#include <sys/types.h>

namespace modloadd {

// Records this process as the boot's instance; returns the PID recorded before, if any.
std::optional<pid_t> recordInstance(std::string_view root);

} // namespace modloadd
