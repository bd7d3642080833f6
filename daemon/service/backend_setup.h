// The insert backend the settings choose, and how many workers insert at once.
#pragma once

#include "base/journal.h"
#include "config/settings.h"
#include "load/backend.h"

#include <memory>

namespace modloadd {

// The kernel backend, or the simulated one with its script (problems in the script are
// journaled and its lines skipped).
std::unique_ptr<Backend> makeBackend(const Settings &settings, Journal &journal);
// Workers=, or the online CPUs when 0.
unsigned insertWorkers(const Settings &settings);
// How many insert helpers the daemon starts before it has read anything: the first inserts
// then find one ready. A few serve the first modules; the rest start as the pool grows.
inline constexpr unsigned kPreparedHelpers = 4;

} // namespace modloadd
