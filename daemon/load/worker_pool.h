// A bounded pool of insertion threads.
#pragma once

#include "base/handles.h"
#include "load/backend.h"
#include "load/insert_result.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace modloadd {

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

} // namespace modloadd
