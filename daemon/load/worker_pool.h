// A bounded pool of insertion threads, with a deadline on each insert.
#pragma once

#include "base/handles.h"
#include "load/backend.h"
#include "load/insert_result.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace modloadd {

// Threads that insert modules; the owner decides what to insert and reads the results. Threads
// start on demand up to the bound, each with its own BackendWorker. Members other than the
// constructor and destructor are called from the owning thread.
//
// With a timeout, an insert still running at its deadline is answered at once as TimedOut, and
// its thread stops counting against the bound: the next submit starts a replacement, so hung
// inits do not shrink the pool. At most kMaxStuck threads wait on hung inserts; past that, the
// pool runs on with the threads it has left. A stuck insert that returns later comes back as
// Late, and its thread serves again if the pool is short of one.
//
// The destructor never waits on an insert: it abandons the running ones (BackendWorker::
// abandon) and joins threads that are then back in this process.
class WorkerPool {
public:
	static constexpr size_t kMaxStuck = 32;

	// A zero timeout waits for every insert, however long.
	WorkerPool(Backend &backend, unsigned maxThreads,
		   std::chrono::milliseconds insertTimeout = {});
	~WorkerPool();
	WorkerPool(const WorkerPool &) = delete;
	WorkerPool &operator=(const WorkerPool &) = delete;

	// Called on the worker's thread with each answer as soon as it comes (not for abandoned
	// inserts): what must be on record before the owner sees it, in case the process dies
	// first. Set before the first submit.
	using Recorder = std::function<void(const LoadJob &, int rc)>;
	void setRecorder(Recorder recorder) { recorder_ = std::move(recorder); }

	void submit(size_t job, LoadJob load);
	// Results that arrived so far, without waiting (empty when none).
	std::vector<InsertResult> takeResults();
	// Waits until at least one result is there.
	std::vector<InsertResult> waitResults();
	// Readable while results wait to be taken (an eventfd, for an event loop).
	int eventFd() const { return wakeup_.get(); }
	// Submitted and not yet answered (in time or timed out).
	size_t inFlight() const { return inFlight_; }
	unsigned maxThreads() const { return maxThreads_; }
	size_t threadsStarted() const { return slots_.size(); }
	// The jobs whose inserts have not returned, timed out or not.
	std::vector<size_t> running() const;

private:
	struct Slot {
		std::thread thread;
		BackendWorker *worker = nullptr; // while the thread has one
		std::optional<size_t> job;	 // the insert running
		std::chrono::steady_clock::time_point started, deadline;
		bool stuck = false; // its insert timed out and has not returned
	};

	void startThreadIfShort();
	void workerLoop(Slot &slot);
	void watchDeadlines();
	void post(InsertResult result);

	Backend &backend_;
	const unsigned maxThreads_;
	const std::chrono::milliseconds timeout_;
	UniqueFd wakeup_;
	mutable std::mutex lock_;
	std::condition_variable workAvailable_;
	std::condition_variable resultAvailable_;
	std::condition_variable deadlinesChanged_;
	std::deque<std::pair<size_t, LoadJob>> work_;
	std::deque<InsertResult> results_;
	std::vector<std::unique_ptr<Slot>> slots_;
	size_t idle_ = 0;   // threads waiting for work
	size_t active_ = 0; // threads that count against the bound (not stuck, not gone)
	size_t stuck_ = 0;
	bool closing_ = false;
	size_t inFlight_ = 0; // owner thread only
	std::thread watcher_;
	Recorder recorder_;
};

} // namespace modloadd
