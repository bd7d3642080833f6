// Insertion threads behind a queue.
#include "load/worker_pool.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <sys/eventfd.h>
#include <unistd.h>

namespace modloadd {

WorkerPool::WorkerPool(Backend &backend, unsigned maxThreads)
    : backend_(backend), maxThreads_(std::max(maxThreads, 1u)),
      wakeup_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
}

WorkerPool::~WorkerPool()
{
	{
		std::lock_guard guard(lock_);
		closing_ = true;
	}
	workAvailable_.notify_all();
	for (std::thread &t : threads_)
		t.join();
}

void WorkerPool::submit(size_t job, LoadJob load)
{
	bool startThread;
	{
		std::lock_guard guard(lock_);
		work_.emplace_back(job, std::move(load));
		// A thread per job in flight, up to the bound: idle threads take queued work first.
		startThread = idle_ < work_.size() && threads_.size() < maxThreads_;
	}
	inFlight_++;
	if (startThread)
		threads_.emplace_back(&WorkerPool::workerLoop, this);
	workAvailable_.notify_one();
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
	inFlight_ -= out.size();
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

void WorkerPool::workerLoop()
{
	// One per thread: a libkmod context is not thread-safe.
	std::unique_ptr<BackendWorker> worker = backend_.makeWorker();
	for (;;) {
		std::pair<size_t, LoadJob> item;
		{
			std::unique_lock guard(lock_);
			idle_++;
			workAvailable_.wait(guard, [&] { return closing_ || !work_.empty(); });
			idle_--;
			if (work_.empty())
				return;
			item = std::move(work_.front());
			work_.pop_front();
		}
		InsertResult r{item.first, 0, {}};
		r.rc = worker->insert(item.second, r.kernelMessage);
		{
			std::lock_guard guard(lock_);
			results_.push_back(std::move(r));
		}
		resultAvailable_.notify_one();
		if (wakeup_.valid()) {
			uint64_t one = 1;
			(void)!write(wakeup_.get(), &one, sizeof one);
		}
	}
}

} // namespace modloadd
