// The backend modloadd.conf asks for: the kernel's, or the simulated one with its script.
#pragma once

#include "base/journal.h"
#include "config/settings.h"
#include "load/backend.h"

#include <memory>

namespace modloadd {

// The simulation script's problems are journaled; an unreadable script simulates success.
std::unique_ptr<Backend> makeBackend(const Settings &settings, Journal &journal);

} // namespace modloadd
