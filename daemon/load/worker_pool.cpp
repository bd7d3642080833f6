// A bounded worker pool around the pure scheduler: threads insert, the caller decides.
#include "load/worker_pool.h"

#include <algorithm>
#include <cassert>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace modloadd {

namespace {

struct Result {
	size_t job;
	int rc;
	std::string kernelMessage;
};

// The queues between the caller and its workers.
struct Channel {
	std::mutex lock;
	std::condition_variable workAvailable;
	std::condition_variable resultAvailable;
	std::deque<size_t> work;
	std::deque<Result> results;
	bool closing = false;
};

void workerLoop(Channel &ch, Backend &backend, const std::vector<LoadJob> &loadJobs)
{
	std::unique_ptr<BackendWorker> worker = backend.makeWorker();
	for (;;) {
		size_t job;
		{
			std::unique_lock guard(ch.lock);
			ch.workAvailable.wait(guard,
					      [&] { return ch.closing || !ch.work.empty(); });
			if (ch.work.empty())
				return;
			job = ch.work.front();
			ch.work.pop_front();
		}
		Result r{job, 0, {}};
		r.rc = worker->insert(loadJobs[job], r.kernelMessage);
		{
			std::lock_guard guard(ch.lock);
			ch.results.push_back(std::move(r));
		}
		ch.resultAvailable.notify_one();
	}
}

} // namespace

void runToCompletion(Scheduler &scheduler, const std::vector<LoadJob> &loadJobs, Backend &backend,
		     unsigned workers, const SettledCallback &onSettled)
{
	assert(loadJobs.size() == scheduler.size());
	auto report = [&] {
		for (size_t i : scheduler.takeSettled())
			onSettled(i, *scheduler.outcome(i));
	};
	report();

	size_t attemptable = 0;
	for (size_t i = 0; i < scheduler.size(); i++)
		attemptable += !scheduler.outcome(i).has_value();
	unsigned threads =
		static_cast<unsigned>(std::min<size_t>(std::max(workers, 1u), attemptable));
	if (threads == 0)
		return;

	Channel ch;
	std::vector<std::thread> pool;
	pool.reserve(threads);
	for (unsigned t = 0; t < threads; t++)
		pool.emplace_back(workerLoop, std::ref(ch), std::ref(backend), std::cref(loadJobs));

	while (!scheduler.done()) {
		// Keep every worker busy: the bound is on jobs in flight, not on threads.
		size_t dispatched = 0;
		while (scheduler.running() < threads) {
			auto job = scheduler.next();
			if (!job)
				break;
			std::lock_guard guard(ch.lock);
			ch.work.push_back(*job);
			dispatched++;
		}
		if (dispatched)
			ch.workAvailable.notify_all();
		// The scheduler settles cycles up front, so unsettled work always has something in
		// flight; never wait for a result that cannot come.
		assert(scheduler.running() > 0);
		if (scheduler.running() == 0)
			break;

		std::deque<Result> results;
		{
			std::unique_lock guard(ch.lock);
			ch.resultAvailable.wait(guard, [&] { return !ch.results.empty(); });
			results.swap(ch.results);
		}
		for (Result &r : results) {
			Outcome o = classifyInsertResult(r.rc);
			o.kernelMessage = std::move(r.kernelMessage);
			scheduler.finish(r.job, std::move(o));
		}
		report();
	}

	{
		std::lock_guard guard(ch.lock);
		ch.closing = true;
	}
	ch.workAvailable.notify_all();
	for (std::thread &t : pool)
		t.join();
}

} // namespace modloadd
