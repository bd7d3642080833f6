// The run's memory of modules and requests, in front of the scheduler and the worker pool.
#include "session/load_session.h"

#include "system/live_modules.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace modloadd {

LoadSession::LoadSession(ModuleIndex index, ResolveOptions options, Backend &backend,
			 unsigned workers, Journal &journal)
    : index_(std::move(index)), options_(std::move(options)), journal_(journal),
      pool_(backend, workers)
{
}

size_t LoadSession::rememberRefusals(std::string path)
{
	refusalsPath_ = std::move(path);
	// One line per refusal: "NAME KIND ERRNO", written by an earlier run of this boot.
	std::ifstream in(refusalsPath_);
	std::string line;
	while (std::getline(in, line)) {
		std::istringstream fields(line);
		std::string name, kind;
		int err = 0;
		if (!(fields >> name >> kind >> err) || err <= 0 || err > 4095)
			continue; // torn or foreign line: forgetting costs one more attempt, no
				  // more
		OutcomeKind k = kind == "no-device" ? OutcomeKind::NoDevice : OutcomeKind::Failed;
		earlierRefusals_[name] =
			Outcome{k, err, "refused by the kernel earlier in this boot", {}};
	}
	return earlierRefusals_.size();
}

void LoadSession::persistRefusal(const std::string &name, const Outcome &outcome)
{
	if (refusalsPath_.empty())
		return;
	std::error_code ec;
	std::filesystem::create_directories(std::filesystem::path(refusalsPath_).parent_path(), ec);
	// O_APPEND: each line lands whole, whatever else is written.
	int fd = open(refusalsPath_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return; // the state is an optimisation; losing it costs a repeated attempt
	std::string line = fmt::format(
		"{} {} {}\n", name, outcome.kind == OutcomeKind::NoDevice ? "no-device" : "failed",
		outcome.err);
	(void)!write(fd, line.data(), line.size());
	close(fd);
}

void LoadSession::refreshIndex()
{
	if (index_.stale() && reopenIndex())
		journal_.send(LOG_INFO, {},
			      fmt::format("Module indexes in {} changed; reloaded",
					  index_.tree().displayDir));
}

bool LoadSession::reopenIndex()
{
	std::string error;
	auto fresh = ModuleIndex::open(index_.root(), index_.tree(), error);
	if (!fresh) {
		// Mid-rewrite, or broken: keep answering from what we have and try next time.
		journal_.send(LOG_WARNING, {},
			      fmt::format("Cannot reload the module indexes: {}; keeping the "
					  "previous ones",
					  error));
		return false;
	}
	index_ = std::move(*fresh);
	reloads_++;
	// What resolved to nothing may resolve now; modules already settled stay settled (one
	// attempt per run), so forgetting the positive answers costs only a lookup.
	seen_.clear();
	return true;
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
		// A name found missing earlier in the run and missing still (the indexes were read
		// again, for a reload or after depmod) keeps its settled job: reported once,
		// counted once. Found now, it gets a job of its own.
		bool missing = m.action == Action::Missing;
		auto &names = missing ? missingByName_ : byName_;
		auto known = names.find(m.name);
		if (known != names.end()) {
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
		names.emplace(m.name, global[i]);
		Job job = std::move(jobs[i]);
		if (!job.settled) {
			auto earlier = earlierRefusals_.find(m.name);
			if (earlier != earlierRefusals_.end())
				job.settled = earlier->second;
		}
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
		const Outcome &o = *scheduler_.outcome(i);
		reportOutcome(journal_, modules_[i], o);
		tally_.add(modules_[i], o);
		// The module's own refusal (not a dependency's, not an earlier run's).
		if ((o.kind == OutcomeKind::NoDevice || o.kind == OutcomeKind::Failed) &&
		    o.cause.empty())
			persistRefusal(modules_[i].name, o);
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
