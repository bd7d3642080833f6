// One insertion attempt's result, and the one place an insertion errno gets its meaning.
#pragma once

#include "base/outcome.h"

#include <cstddef>
#include <string>

namespace modloadd {

struct InsertResult {
	// InTime: the insert returned before its deadline. TimedOut: the deadline passed first
	// (rc is -ETIMEDOUT, kernelMessage what the kernel said so far); the same job comes back
	// once more as Late if the insert returns after all.
	enum class When { InTime, TimedOut, Late };

	size_t job;
	int rc; // 0 or -errno, as BackendWorker::insert
	std::string kernelMessage;
	When when = When::InTime;
	double seconds = 0; // how long the insert took (InTime and Late)
};

// Classify the result of one insertion attempt (0 or -errno), as systemd-modules-load does:
// EEXIST is success, ENODEV means "no device" and is not an error.
Outcome classifyInsertResult(int r);

} // namespace modloadd
