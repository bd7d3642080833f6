// Insertion threads behind a queue, and the watch on their deadlines.
#include "load/worker_pool.h"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstdint>
#include <sys/eventfd.h>
#include <unistd.h>

namespace modloadd {

WorkerPool::WorkerPool(Backend &backend, unsigned maxThreads,
		       std::chrono::milliseconds insertTimeout)
    : backend_(backend), maxThreads_(std::max(maxThreads, 1u)), timeout_(insertTimeout),
      wakeup_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
	if (timeout_.count() > 0)
		watcher_ = std::thread(&WorkerPool::watchDeadlines, this);
}

WorkerPool::~WorkerPool()
{
	{
		std::lock_guard guard(lock_);
		closing_ = true;
		// A thread inside an insert may be waiting on a module's init: cut it loose.
		for (auto &slot : slots_)
			if (slot->worker && slot->job)
				slot->worker->abandon();
	}
	workAvailable_.notify_all();
	deadlinesChanged_.notify_all();
	if (watcher_.joinable())
		watcher_.join();
	for (auto &slot : slots_)
		slot->thread.join();
}

void WorkerPool::submit(size_t job, LoadJob load)
{
	{
		std::lock_guard guard(lock_);
		work_.emplace_back(job, std::move(load));
		startThreadIfShort();
	}
	inFlight_++;
	workAvailable_.notify_one();
}

// Called with lock_ held. A thread per job in flight, up to the bound: idle threads take queued
// work first. Threads stuck in hung inserts do not count, up to kMaxStuck of them.
void WorkerPool::startThreadIfShort()
{
	if (idle_ >= work_.size() || active_ >= maxThreads_ ||
	    active_ + stuck_ >= maxThreads_ + kMaxStuck)
		return;
	slots_.push_back(std::make_unique<Slot>());
	Slot &slot = *slots_.back();
	active_++;
	// It waits for lock_ before it looks at anything.
	slot.thread = std::thread(&WorkerPool::workerLoop, this, std::ref(slot));
}

std::vector<InsertResult> WorkerPool::takeResults()
{
	uint64_t drained;
	if (wakeup_.valid())
		(void)!read(wakeup_.get(), &drained, sizeof drained);
	std::vector<InsertResult> out;
	std::lock_guard guard(lock_);
	out.assign(std::make_move_iterator(results_.begin()),
		   std::make_move_iterator(results_.end()));
	results_.clear();
	for (const InsertResult &r : out)
		inFlight_ -= r.when != InsertResult::When::Late;
	return out;
}

std::vector<InsertResult> WorkerPool::waitResults()
{
	assert(inFlight_ > 0);
	{
		std::unique_lock guard(lock_);
		resultAvailable_.wait(guard, [&] { return !results_.empty(); });
	}
	return takeResults();
}

std::vector<size_t> WorkerPool::running() const
{
	std::vector<size_t> jobs;
	std::lock_guard guard(lock_);
	for (const auto &slot : slots_)
		if (slot->job)
			jobs.push_back(*slot->job);
	return jobs;
}

// Called with lock_ held.
void WorkerPool::post(InsertResult result)
{
	results_.push_back(std::move(result));
	resultAvailable_.notify_one();
	if (wakeup_.valid()) {
		uint64_t one = 1;
		(void)!write(wakeup_.get(), &one, sizeof one);
	}
}

void WorkerPool::workerLoop(Slot &slot)
{
	// One per thread: a libkmod context is not thread-safe.
	std::unique_ptr<BackendWorker> worker = backend_.makeWorker();
	std::unique_lock guard(lock_);
	slot.worker = worker.get();
	for (;;) {
		idle_++;
		workAvailable_.wait(guard, [&] { return closing_ || !work_.empty(); });
		idle_--;
		if (closing_)
			break;
		auto [job, load] = std::move(work_.front());
		work_.pop_front();
		slot.job = job;
		slot.deadline = std::chrono::steady_clock::now() + timeout_;
		deadlinesChanged_.notify_one();
		guard.unlock();

		InsertResult r{job, 0, {}};
		auto began = std::chrono::steady_clock::now();
		r.rc = worker->insert(load, r.kernelMessage);
		r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began)
				    .count();
		if (recorder_ && r.rc != -ECANCELED)
			recorder_(load, r.rc);

		guard.lock();
		slot.job.reset();
		if (closing_)
			break;
		if (!slot.stuck) {
			post(std::move(r));
			continue;
		}
		// Answered as timed out already: this is the late word. The thread serves again
		// if the pool is short of one, else it is done.
		r.when = InsertResult::When::Late;
		post(std::move(r));
		slot.stuck = false;
		stuck_--;
		if (active_ >= maxThreads_)
			break;
		active_++;
	}
	slot.worker = nullptr;
}

// Answers every insert that passes its deadline as timed out, with what the kernel said so far.
void WorkerPool::watchDeadlines()
{
	std::unique_lock guard(lock_);
	while (!closing_) {
		auto now = std::chrono::steady_clock::now();
		std::optional<std::chrono::steady_clock::time_point> next;
		bool timedOut = false;
		for (auto &slot : slots_) {
			if (!slot->job || slot->stuck)
				continue;
			if (slot->deadline > now) {
				next = next ? std::min(*next, slot->deadline) : slot->deadline;
				continue;
			}
			slot->stuck = true;
			timedOut = true;
			stuck_++;
			active_--;
			std::string lines =
				slot->worker ? slot->worker->linesSoFar() : std::string();
			post({*slot->job, -ETIMEDOUT, std::move(lines),
			      InsertResult::When::TimedOut});
		}
		// Queued work gets the stuck threads' replacements now (after the walk over
		// slots_, which this grows).
		for (size_t queued = work_.size(); timedOut && queued > idle_; queued--)
			startThreadIfShort();
		if (next)
			deadlinesChanged_.wait_until(guard, *next);
		else
			deadlinesChanged_.wait(guard);
	}
}

} // namespace modloadd
