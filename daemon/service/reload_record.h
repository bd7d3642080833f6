// ROOT/run/modloadd/reloaded: the last reload the daemon finished and who asked for it, so that
// `modloadctl reload` (the unit's ExecReload=) returns only once its own request is done.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace modloadd {

struct ReloadRecord {
	uint64_t generation = 0;	// reloads finished by this daemon process, from 1
	pid_t daemon = 0;		// the daemon that wrote it
	std::vector<pid_t> requestedBy; // senders of the SIGHUPs this reload answered
};

std::string reloadRecordPath(std::string_view root);

// A process ID as the kernel hands them out (1 to PID_MAX_LIMIT), or nullopt.
std::optional<pid_t> parsePid(std::string_view s);

// nullopt when there is none (no reload yet) or it cannot be parsed.
std::optional<ReloadRecord> readReloadRecord(std::string_view root);

// Written whole (a temporary file renamed over it): a reader never sees half of it. Returns 0
// or -errno.
int writeReloadRecord(std::string_view root, const ReloadRecord &record);

} // namespace modloadd
