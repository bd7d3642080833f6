// One insertion attempt's result, and the one place an insertion errno gets its meaning.
#pragma once

#include "base/outcome.h"

#include <cstddef>
#include <string>

namespace modloadd {

struct InsertResult {
	size_t job;
	int rc; // 0 or -errno, as BackendWorker::insert
	std::string kernelMessage;
};

// Classify the result of one insertion attempt (0 or -errno), as systemd-modules-load does:
// EEXIST is success, ENODEV means "no device" and is not an error.
Outcome classifyInsertResult(int r);

} // namespace modloadd
