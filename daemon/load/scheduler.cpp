// The pure load scheduler: readiness, failure propagation and critical-path priority.
#include "load/scheduler.h"

#include <cassert>
#include <cerrno>
#include <fmt/format.h>

namespace modloadd {

Scheduler::Scheduler(std::vector<Job> jobs)
    : jobs_(std::move(jobs)), outcomes_(jobs_.size()), dependents_(jobs_.size()),
      pending_(jobs_.size(), 0), priority_(jobs_.size(), 1), handedOut_(jobs_.size(), false),
      ready_(ByPriority{&priority_})
{
	for (size_t i = 0; i < jobs_.size(); i++) {
		for (const JobEdge &e : jobs_[i].waitsFor) {
			assert(e.job < jobs_.size());
			dependents_[e.job].push_back({i, e.hard});
			pending_[i]++;
		}
	}

	// Kahn's order, once, for priorities and to find cycles: whatever is left over waits on
	// itself and can never start.
	std::vector<size_t> order;
	order.reserve(jobs_.size());
	std::vector<size_t> indegree = pending_;
	for (size_t i = 0; i < jobs_.size(); i++)
		if (indegree[i] == 0)
			order.push_back(i);
	for (size_t k = 0; k < order.size(); k++)
		for (const JobEdge &d : dependents_[order[k]])
			if (--indegree[d.job] == 0)
				order.push_back(d.job);
	computePriorities(order);

	// Presets first, in index order, then cycle members.
	for (size_t i = 0; i < jobs_.size(); i++)
		if (jobs_[i].settled)
			settle(i, *jobs_[i].settled);
	// A job still waiting after the presets settled is on a cycle or behind one; settling the
	// first of them lets hard dependents inherit the failure while soft ones may still run.
	if (order.size() != jobs_.size()) {
		for (size_t i = 0; i < jobs_.size(); i++)
			if (indegree[i] != 0 && !outcomes_[i] && pending_[i] != 0)
				settle(i, {OutcomeKind::Failed, ELOOP, "dependency cycle", {}});
	}
	// Jobs whose last dependency settled above were queued by settle(); queue the ones that
	// never waited for anything.
	for (size_t i = 0; i < jobs_.size(); i++)
		if (!outcomes_[i] && jobs_[i].waitsFor.empty())
			ready_.push(i);
}

void Scheduler::computePriorities(const std::vector<size_t> &order)
{
	// Longest chain of attempts hanging off each job: scheduling those first keeps the
	// critical path busy (ninja's and mold's lesson).
	for (size_t k = order.size(); k-- > 0;) {
		size_t i = order[k];
		unsigned best = 0;
		for (const JobEdge &d : dependents_[i])
			best = std::max(best, priority_[d.job]);
		priority_[i] = best + (jobs_[i].settled ? 0 : 1);
	}
}

std::optional<size_t> Scheduler::next()
{
	while (!ready_.empty()) {
		size_t i = ready_.top();
		ready_.pop();
		if (outcomes_[i] || handedOut_[i])
			continue;
		handedOut_[i] = true;
		running_++;
		return i;
	}
	return std::nullopt;
}

void Scheduler::finish(size_t job, Outcome outcome)
{
	assert(handedOut_[job] && !outcomes_[job]);
	running_--;
	settle(job, std::move(outcome));
}

std::vector<size_t> Scheduler::takeSettled()
{
	std::vector<size_t> out;
	out.swap(settledLog_);
	return out;
}

void Scheduler::settle(size_t job, Outcome outcome)
{
	// Iterative, so a long chain of failed dependents cannot exhaust the stack.
	std::vector<std::pair<size_t, Outcome>> work;
	work.emplace_back(job, std::move(outcome));
	while (!work.empty()) {
		auto [i, o] = std::move(work.back());
		work.pop_back();
		if (outcomes_[i])
			continue;
		bool ok = isSuccess(o.kind);
		outcomes_[i] = std::move(o);
		settledCount_++;
		settledLog_.push_back(i);

		for (const JobEdge &d : dependents_[i]) {
			if (outcomes_[d.job])
				continue;
			if (d.hard && !ok) {
				// The dependent cannot come up without this module: settle it with
				// the same class, so "no device" below stays a notice above, as
				// with modprobe.
				const Outcome &failed = *outcomes_[i];
				OutcomeKind kind =
					failed.kind == OutcomeKind::NoDevice ||
							failed.kind == OutcomeKind::Blacklisted
						? failed.kind
						: OutcomeKind::Failed;
				int err = failed.err || kind == OutcomeKind::Blacklisted
						  ? failed.err
						  : ENOENT;
				work.emplace_back(
					d.job,
					Outcome{kind,
						err,
						fmt::format("dependency '{}' {}", jobs_[i].name,
							    outcomeName(failed.kind)),
						{}});
				continue;
			}
			if (--pending_[d.job] == 0)
				ready_.push(d.job);
		}
	}
}

} // namespace modloadd
