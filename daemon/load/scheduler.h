// The load plan as a pure queue of ready work: no threads, no kernel, no clock.
//
// A job becomes ready once everything it waits for is settled. A hard edge (modules.dep) also
// carries failure: when a hard dependency does not come up, the dependent is settled with that
// reason and never attempted. A soft edge (softdep pre/post) only orders. Every job is handed
// out at most once, which is how "one attempt per module per run" is kept. Work that arrives
// later (a device plugged in) is appended as a new batch; it may wait for jobs of earlier
// batches, settled or not, but earlier jobs never wait for it.
#pragma once

#include "base/outcome.h"

#include <cstddef>
#include <optional>
#include <queue>
#include <string>
#include <vector>

namespace modloadd {

struct JobEdge {
	size_t job;	  // index of the job waited for
	bool hard = true; // a modules.dep dependency (failure propagates), else ordering only
};

struct Job {
	std::string name;
	std::vector<JobEdge> waitsFor;
	// Decided before any attempt (builtin, live, blacklisted, not found): never handed out.
	std::optional<Outcome> settled;
};

class Scheduler {
public:
	Scheduler() : ready_(ByPriority{&priority_}) {}
	// Jobs whose edges form a cycle are settled as failed (ELOOP) up front.
	explicit Scheduler(std::vector<Job> jobs);

	// Append a batch. Edges index the whole scheduler: earlier jobs (settled or not) or jobs of
	// this batch. A hard edge to an earlier job that failed settles the new job at once.
	// Returns the index of the batch's first job.
	size_t add(std::vector<Job> batch);

	// The most urgent ready job (longest chain of jobs waiting behind it first), now running.
	std::optional<size_t> next();

	// Record the outcome of a job handed out by next().
	void finish(size_t job, Outcome outcome);

	// Jobs settled since the last call, in the order they settled: presets, finished jobs and
	// the dependents a failure settled without an attempt.
	std::vector<size_t> takeSettled();

	bool done() const { return settledCount_ == jobs_.size(); }
	size_t running() const { return running_; }
	size_t size() const { return jobs_.size(); }
	const Job &job(size_t i) const { return jobs_[i]; }
	const std::optional<Outcome> &outcome(size_t i) const { return outcomes_[i]; }
	// Length of the longest chain of attempts that starts with job i (1 for a leaf).
	unsigned priority(size_t i) const { return priority_[i]; }

private:
	void settle(size_t job, Outcome outcome);
	void release(size_t job);
	void computePriorities(const std::vector<size_t> &order);
	static Outcome inherited(const std::string &dependency, const Outcome &failed);

	struct ByPriority {
		const std::vector<unsigned> *priority;
		bool operator()(size_t a, size_t b) const
		{
			if ((*priority)[a] != (*priority)[b])
				return (*priority)[a] < (*priority)[b];
			return a > b; // stable: earlier jobs first among equals
		}
	};

	std::vector<Job> jobs_;
	std::vector<std::optional<Outcome>> outcomes_;
	std::vector<std::vector<JobEdge>> dependents_; // reverse edges
	std::vector<size_t> pending_;		       // unsettled jobs each one still waits for
	std::vector<unsigned> priority_;
	std::vector<bool> handedOut_;
	std::priority_queue<size_t, std::vector<size_t>, ByPriority> ready_;
	std::vector<size_t> settledLog_;
	size_t settledCount_ = 0;
	size_t running_ = 0;
};

} // namespace modloadd
