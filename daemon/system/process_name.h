// Naming a process for a person: what sent a signal.
#pragma once

#include <optional>
#include <string>
#include <sys/types.h>

namespace modloadd {

// "modloadctl[123]" from /proc/PID/comm, or "PID 123" when the process is gone.
std::string describeProcess(pid_t pid);

// /proc/PID/comm ("modloadd"), or nullopt when the process is gone or hidden (hidepid=).
std::optional<std::string> processName(pid_t pid);

} // namespace modloadd
