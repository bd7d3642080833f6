// One insertion attempt's result, and the one place an insertion errno gets its meaning.
#pragma once

#include "base/outcome.h"

#include <chrono>
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
	// From the start of the insert to its answer (TimedOut: to the deadline).
	std::chrono::microseconds took{};
};

// Classify the result of one insertion attempt (0 or -errno), as systemd-modules-load does:
// EEXIST is success, ENODEV means "no device" and is not an error.
Outcome classifyInsertResult(int r);

// Whether R, the answer to inserting module NAME into the running kernel, is its own init's
// EEXIST rather than "already loaded": the kernel does not have the module, as when a cpufreq
// driver finds the CPUs driven by another. What it would drive is taken: no device for it, and
// the same answer for the rest of the boot.
bool initAnsweredTaken(const std::string &name, int r);

} // namespace modloadd
