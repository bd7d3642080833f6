// Runs a Scheduler to completion on a bounded pool of worker threads.
#pragma once

#include "load/backend.h"
#include "load/scheduler.h"

#include <functional>
#include <vector>

namespace modloadd {

// Called on the calling thread for every job as it settles (in settle order).
using SettledCallback = std::function<void(size_t job, const Outcome &outcome)>;

// Hands ready jobs to at most `workers` threads (each with its own BackendWorker) until every
// job has settled. `loadJobs[i]` describes scheduler job i. The scheduler is only touched on the
// calling thread.
void runToCompletion(Scheduler &scheduler, const std::vector<LoadJob> &loadJobs, Backend &backend,
		     unsigned workers, const SettledCallback &onSettled);

} // namespace modloadd
