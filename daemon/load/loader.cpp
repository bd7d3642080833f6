// Graphs merged into one run's scheduler, its ready jobs handed to the pool.
#include "load/loader.h"

#include "load/refusals.h"

#include <cerrno>
#include <fmt/format.h>

namespace modloadd {

namespace {

// A thousand CPUs need not be listed; the first devices are kept for the journal and the state.
constexpr size_t kKeptOrigins = 64;

std::string timeoutCause(std::chrono::milliseconds timeout)
{
	if (timeout.count() % 1000 == 0)
		return fmt::format("no answer within {} s (InsertTimeoutSec=)",
				   timeout.count() / 1000);
	return fmt::format("no answer within {} ms (InsertTimeoutSec=)", timeout.count());
}

} // namespace

std::vector<Job> jobsOf(const ModuleGraph &graph)
{
	std::vector<Job> jobs;
	jobs.reserve(graph.modules.size());
	for (const PlannedModule &m : graph.modules) {
		Job j{m.name, {}, std::nullopt};
		for (const ModuleEdge &e : m.waitsFor)
			j.waitsFor.push_back({e.module, e.hard});
		// A plan's failure is a file that is not there, its own or a dependency's.
		if (!m.toInsert())
			j.settled = Outcome{m.planned,
					    m.planned == OutcomeKind::NotFound ||
							    m.planned == OutcomeKind::Failed
						    ? ENOENT
						    : 0,
					    m.reason,
					    {}};
		jobs.push_back(std::move(j));
	}
	return jobs;
}

std::vector<LoadJob> loadJobsOf(const ModuleGraph &graph)
{
	std::vector<LoadJob> jobs;
	jobs.reserve(graph.modules.size());
	for (const PlannedModule &m : graph.modules)
		jobs.push_back({m.name, m.path, m.options, m.installCommand});
	return jobs;
}

Loader::Loader(Backend &backend, unsigned workers, std::chrono::milliseconds insertTimeout)
    : pool_(backend, workers, insertTimeout), insertTimeout_(insertTimeout)
{
}

std::vector<std::string> Loader::running() const
{
	std::vector<std::string> names;
	for (size_t job : pool_.running())
		names.push_back(modules_[job].name);
	return names;
}

size_t Loader::add(ModuleGraph graph)
{
	std::vector<Job> jobs = jobsOf(graph);
	std::vector<LoadJob> loads = loadJobsOf(graph);

	// Modules this run already knows keep their job (and their one attempt); the others
	// become a batch whose edges point at the run's jobs.
	const size_t first = scheduler_.size();
	std::vector<size_t> global(graph.modules.size());
	std::vector<Job> batch;
	for (size_t i = 0; i < graph.modules.size(); i++) {
		PlannedModule &m = graph.modules[i];
		// A name found missing earlier in the run and missing still (the indexes were read
		// again, for a reload or after depmod) keeps its settled job: reported once,
		// counted once. Found now, it gets a job of its own.
		auto &names = m.planned == OutcomeKind::NotFound ? missingByName_ : byName_;
		auto known = names.find(m.name);
		if (known != names.end() && m.toInsert() &&
		    !modules_[known->second].deniedBy.empty()) {
			// Held back for devices only, and wanted now: a job of its own.
			attempts_[known->second].withdrawn = true;
			withdrawnCount_++;
			withdrawObserver_(modules_[known->second],
					  *scheduler_.outcome(known->second));
			names.erase(known);
			known = names.end();
		}
		if (known != names.end()) {
			global[i] = known->second;
			PlannedModule &old = modules_[known->second];
			for (std::string &o : m.origins)
				if (old.origins.size() < kKeptOrigins)
					old.origins.push_back(std::move(o));
			for (DeviceRef &dev : m.devices)
				if (old.devices.size() < kKeptOrigins)
					old.devices.push_back(std::move(dev));
			continue;
		}
		global[i] = first + batch.size();
		names.emplace(m.name, global[i]);
		Job job = std::move(jobs[i]);
		if (!job.settled) {
			auto earlier = presettled_.find(m.name);
			if (earlier == presettled_.end())
				earlier = presettled_.find(
					Refusals::keyWithOptions(m.name, m.options));
			if (earlier != presettled_.end())
				job.settled = earlier->second;
		}
		for (JobEdge &e : job.waitsFor)
			e.job = global[e.job];
		for (ModuleEdge &e : m.waitsFor)
			e.module = global[e.module];
		batch.push_back(std::move(job));
		modules_.push_back(std::move(m));
		loadJobs_.push_back(std::move(loads[i]));
		attempts_.emplace_back();
	}
	size_t added = batch.size();
	if (added) {
		scheduler_.add(std::move(batch));
		announceSettled();
		dispatch();
	}
	return added;
}

void Loader::collect()
{
	settle(pool_.takeResults());
}

void Loader::waitIdle()
{
	while (!scheduler_.done()) {
		dispatch();
		// The scheduler settles cycles up front, so unsettled work always has something in
		// flight; never wait for a result that cannot come.
		if (scheduler_.running() == 0)
			break;
		settle(pool_.waitResults());
	}
}

void Loader::settle(std::vector<InsertResult> results)
{
	for (InsertResult &r : results) {
		Outcome o = classifyInsertResult(r.rc);
		o.kernelMessage = std::move(r.kernelMessage);
		if (insertTimer_ && r.when != InsertResult::When::TimedOut)
			insertTimer_(modules_[r.job], o,
				     std::chrono::duration<double>(r.took).count());
		switch (r.when) {
		case InsertResult::When::InTime:
			attempts_[r.job].took = r.took;
			scheduler_.finish(r.job, std::move(o));
			break;
		case InsertResult::When::TimedOut:
			attempts_[r.job].took = r.took;
			scheduler_.finish(r.job, Outcome{OutcomeKind::TimedOut, ETIMEDOUT,
							 timeoutCause(insertTimeout_),
							 std::move(o.kernelMessage)});
			break;
		case InsertResult::When::Late:
			attempts_[r.job].late = o;
			attempts_[r.job].lateTook = r.took;
			lateObserver_(modules_[r.job], o);
			break;
		}
	}
	announceSettled();
	dispatch();
}

// Keeps at most the pool's bound in flight: the bound is on jobs in flight, not on threads.
void Loader::dispatch()
{
	while (scheduler_.running() < pool_.maxThreads()) {
		auto job = scheduler_.next();
		if (!job)
			break;
		pool_.submit(*job, loadJobs_[*job]);
	}
}

void Loader::announceSettled()
{
	for (size_t i : scheduler_.takeSettled())
		observer_(modules_[i], *scheduler_.outcome(i));
}

} // namespace modloadd
