// The pure load scheduler: readiness, failure propagation and critical-path priority.
#include "load/scheduler.h"

#include <cassert>
#include <cerrno>
#include <fmt/format.h>

namespace modloadd {

Scheduler::Scheduler(std::vector<Job> jobs) : Scheduler()
{
	add(std::move(jobs));
}

size_t Scheduler::add(std::vector<Job> batch)
{
	const size_t first = jobs_.size();
	const size_t count = batch.size();
	for (Job &j : batch)
		jobs_.push_back(std::move(j));
	const size_t total = jobs_.size();
	outcomes_.resize(total);
	dependents_.resize(total);
	pending_.resize(total, 0);
	priority_.resize(total, 1);
	handedOut_.resize(total, false);

	// Edges into earlier batches are resolved now: a settled dependency either releases the
	// edge or, for a hard edge that failed, settles the new job below.
	std::vector<std::optional<Outcome>> inheritedFailure(count);
	for (size_t i = first; i < total; i++) {
		for (const JobEdge &e : jobs_[i].waitsFor) {
			assert(e.job < total);
			if (e.job < first && outcomes_[e.job]) {
				if (e.hard && !isSuccess(outcomes_[e.job]->kind) &&
				    !inheritedFailure[i - first])
					inheritedFailure[i - first] =
						inherited(jobs_[e.job].name, *outcomes_[e.job]);
				continue;
			}
			dependents_[e.job].push_back({i, e.hard});
			pending_[i]++;
		}
	}

	// Kahn's order over the batch, for priorities and to find cycles: whatever is left over
	// waits on itself and can never start. Earlier jobs never wait for this batch, so edges
	// into them count as already satisfied here.
	std::vector<size_t> order;
	order.reserve(count);
	std::vector<size_t> indegree(count, 0);
	for (size_t i = first; i < total; i++)
		for (const JobEdge &e : jobs_[i].waitsFor)
			indegree[i - first] += e.job >= first;
	for (size_t i = first; i < total; i++)
		if (indegree[i - first] == 0)
			order.push_back(i);
	for (size_t k = 0; k < order.size(); k++)
		for (const JobEdge &d : dependents_[order[k]])
			if (d.job >= first && --indegree[d.job - first] == 0)
				order.push_back(d.job);
	computePriorities(order);

	// Presets and inherited failures first, in index order, then cycle members.
	for (size_t i = first; i < total; i++) {
		if (jobs_[i].settled)
			settle(i, *jobs_[i].settled);
		else if (inheritedFailure[i - first])
			settle(i, std::move(*inheritedFailure[i - first]));
	}
	// A job still waiting after the presets settled is on a cycle or behind one; settling the
	// first of them lets hard dependents inherit the failure while soft ones may still run.
	if (order.size() != count) {
		for (size_t i = first; i < total; i++)
			if (indegree[i - first] != 0 && !outcomes_[i] && pending_[i] != 0)
				settle(i, {OutcomeKind::Failed, ELOOP, "dependency cycle", {}});
	}
	// Jobs whose last dependency settled above were queued by settle(); queue the ones that
	// wait for nothing unsettled.
	for (size_t i = first; i < total; i++)
		if (!outcomes_[i] && pending_[i] == 0)
			ready_.push(i);
	return first;
}

void Scheduler::computePriorities(const std::vector<size_t> &order)
{
	// Longest chain of attempts hanging off each job: scheduling those first keeps the
	// critical path busy. Jobs of earlier batches keep their priority: a later batch is small
	// and its chains short.
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

Outcome Scheduler::inherited(const std::string &dependency, const Outcome &failed)
{
	// The dependent cannot come up without this module: settle it with the same class, so "no
	// device" below stays a notice above, as with modprobe.
	OutcomeKind kind =
		failed.kind == OutcomeKind::NoDevice || failed.kind == OutcomeKind::Blacklisted
			? failed.kind
			: OutcomeKind::Failed;
	int err = failed.err || kind == OutcomeKind::Blacklisted ? failed.err : ENOENT;
	return Outcome{kind,
		       err,
		       fmt::format("dependency '{}' {}", dependency, outcomeName(failed.kind)),
		       {}};
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
				// A dependent decided before any attempt keeps its own outcome: the
				// plan's reason says more than "dependency failed".
				work.emplace_back(
					d.job, jobs_[d.job].settled
						       ? *jobs_[d.job].settled
						       : inherited(jobs_[i].name, *outcomes_[i]));
				continue;
			}
			if (--pending_[d.job] == 0)
				ready_.push(d.job);
		}
	}
}

} // namespace modloadd
