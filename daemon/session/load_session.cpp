// The run's memory of modules and requests, in front of the scheduler and the worker pool.
#include "session/load_session.h"

#include "resolve/live_modules.h"

#include <fmt/format.h>

namespace modloadd {

LoadSession::LoadSession(ModuleIndex index, ResolveOptions options, Backend &backend,
			 unsigned workers, Journal &journal)
    : index_(std::move(index)), options_(std::move(options)), journal_(journal),
      pool_(backend, workers)
{
}

void LoadSession::refreshIndex()
{
	if (!index_.stale())
		return;
	std::string error;
	auto fresh = ModuleIndex::open(index_.root(), index_.tree(), error);
	if (!fresh) {
		// Mid-rewrite, or broken: keep answering from what we have and try next time.
		journal_.send(LOG_WARNING, {},
			      fmt::format("Cannot reload the module indexes: {}; keeping the "
					  "previous ones",
					  error));
		return;
	}
	index_ = std::move(*fresh);
	reloads_++;
	// What resolved to nothing may resolve now; modules already settled stay settled (one
	// attempt per run), so forgetting the positive answers costs only a lookup.
	seen_.clear();
	journal_.send(
		LOG_INFO, {},
		fmt::format("Module indexes in {} changed; reloaded", index_.tree().displayDir));
}

size_t LoadSession::submit(const std::vector<Request> &requests)
{
	refreshIndex();
	std::vector<Request> fresh;
	for (const Request &r : requests) {
		if (seen_.insert(r.name).second)
			fresh.push_back(r);
		else
			repeated_++;
	}
	if (fresh.empty())
		return 0;

	options_.live = readLiveModules(index_.root());
	ModuleGraph graph = buildModuleGraph(index_, fresh, options_);
	std::vector<Job> jobs = toJobs(graph);
	std::vector<LoadJob> loads = toLoadJobs(graph);

	// Modules this run already knows keep their job (and their one attempt); the others
	// become a batch whose edges point at the global jobs.
	const size_t first = scheduler_.size();
	std::vector<size_t> global(graph.modules.size());
	std::vector<Job> batch;
	for (size_t i = 0; i < graph.modules.size(); i++) {
		PlannedModule &m = graph.modules[i];
		bool missing = m.action == Action::Missing;
		auto known = missing ? byName_.end() : byName_.find(m.name);
		if (known != byName_.end()) {
			global[i] = known->second;
			PlannedModule &old = modules_[known->second];
			// A thousand CPUs need not be listed; the first devices are kept for
			// modloadctl and the state.
			for (std::string &o : m.origins)
				if (old.origins.size() < 64)
					old.origins.push_back(std::move(o));
			for (DeviceRef &dev : m.devices)
				if (old.devices.size() < 64)
					old.devices.push_back(std::move(dev));
			continue;
		}
		global[i] = first + batch.size();
		if (!missing)
			byName_.emplace(m.name, global[i]);
		Job job = std::move(jobs[i]);
		for (JobEdge &e : job.waitsFor)
			e.job = global[e.job];
		for (JobEdge &e : m.waitsFor)
			e.job = global[e.job];
		batch.push_back(std::move(job));
		modules_.push_back(std::move(m));
		loadJobs_.push_back(std::move(loads[i]));
	}
	size_t added = batch.size();
	if (added) {
		scheduler_.add(std::move(batch));
		reportSettled();
		dispatchReady(scheduler_, loadJobs_, pool_);
	}
	return added;
}

void LoadSession::reportSettled()
{
	for (size_t i : scheduler_.takeSettled()) {
		reportOutcome(journal_, modules_[i], *scheduler_.outcome(i));
		tally_.add(modules_[i], *scheduler_.outcome(i));
	}
}

void LoadSession::collect()
{
	settleResults(scheduler_, pool_.takeResults());
	reportSettled();
	dispatchReady(scheduler_, loadJobs_, pool_);
}

void LoadSession::waitIdle()
{
	while (!scheduler_.done()) {
		dispatchReady(scheduler_, loadJobs_, pool_);
		if (scheduler_.running() == 0)
			break; // nothing can make progress (cannot happen: cycles are settled)
		settleResults(scheduler_, pool_.waitResults());
		reportSettled();
	}
}

} // namespace modloadd
