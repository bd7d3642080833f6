// A bounded pool of insertion threads, and a scheduler driven to completion on it.
#pragma once

#include "base/handles.h"
#include "load/backend.h"
#include "load/scheduler.h"

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace modloadd {

struct InsertResult {
	size_t job;
	int rc; // 0 or -errno, as BackendWorker::insert
	std::string kernelMessage;
};

// Threads that insert modules; the owner decides what to insert and reads the results. Threads
// start on demand up to the bound, each with its own BackendWorker. All members are called
// from the owning thread.
class WorkerPool {
public:
	WorkerPool(Backend &backend, unsigned maxThreads);
	~WorkerPool();
	WorkerPool(const WorkerPool &) = delete;
	WorkerPool &operator=(const WorkerPool &) = delete;

	void submit(size_t job, LoadJob load);
	// Results that arrived so far, without waiting (empty when none).
	std::vector<InsertResult> takeResults();
	// Waits until at least one result is there.
	std::vector<InsertResult> waitResults();
	// Readable while results wait to be taken (an eventfd, for an event loop).
	int eventFd() const { return wakeup_.get(); }
	size_t inFlight() const { return inFlight_; }
	unsigned maxThreads() const { return maxThreads_; }
	size_t threadsStarted() const { return threads_.size(); }

private:
	void workerLoop();

	Backend &backend_;
	const unsigned maxThreads_;
	UniqueFd wakeup_;
	std::mutex lock_;
	std::condition_variable workAvailable_;
	std::condition_variable resultAvailable_;
	std::deque<std::pair<size_t, LoadJob>> work_;
	std::deque<InsertResult> results_;
	size_t idle_ = 0; // threads waiting for work
	bool closing_ = false;
	size_t inFlight_ = 0; // submitted, result not yet taken (owner thread only)
	std::vector<std::thread> threads_;
};

// Hands the scheduler's ready jobs to the pool while keeping at most maxThreads in flight:
// the bound is on jobs in flight, not on threads.
void dispatchReady(Scheduler &scheduler, const std::vector<LoadJob> &loadJobs, WorkerPool &pool);

// Settle each result in the scheduler (classified once, with the kernel's message).
void settleResults(Scheduler &scheduler, std::vector<InsertResult> results);

// Called on the calling thread for every job as it settles (in settle order).
using SettledCallback = std::function<void(size_t job, const Outcome &outcome)>;

// Runs every job of the scheduler on at most `workers` threads until all have settled.
// `loadJobs[i]` describes scheduler job i.
void runToCompletion(Scheduler &scheduler, const std::vector<LoadJob> &loadJobs, Backend &backend,
		     unsigned workers, const SettledCallback &onSettled);

} // namespace modloadd
