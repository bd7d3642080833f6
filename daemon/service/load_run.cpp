// The resolver, the loader and the reports, wired for one run.
#include "service/load_run.h"

#include "report/daemon_report.h"
#include "report/outcome_report.h"

namespace modloadd {

LoadRun::LoadRun(Resolver &resolver, Backend &backend, unsigned workers,
		 std::chrono::milliseconds insertTimeout, Journal &journal)
    : resolver_(resolver), backend_(backend), journal_(journal),
      loader_(backend, workers, insertTimeout)
{
	loader_.setObserver([this](const PlannedModule &m, const Outcome &o) { settled(m, o); });
	loader_.setWithdrawObserver(
		[this](const PlannedModule &m, const Outcome &o) { tally_.withdraw(m, o); });
	loader_.setLateObserver([this](const PlannedModule &m, const Outcome &o) {
		reportFinishedLate(journal_, m, o);
	});
	loader_.setInsertTimer([this](const PlannedModule &, const Outcome &, double seconds) {
		durations_.add(seconds);
	});
}

size_t LoadRun::rememberRefusals(Refusals refusals)
{
	auto earlier = refusals.read();
	size_t n = earlier.size();
	loader_.presettle(std::move(earlier));
	refusals_.emplace(std::move(refusals));
	// Where the answer arrives, before it reaches this thread: a refusal the kernel gave just
	// before the daemon was killed is still not tried again after the restart. The kernel
	// backend's helpers write it themselves, so that an init still running at the kill counts.
	if (backend_.rememberRefusalsIn(refusals_->path()))
		return n;
	loader_.setAnswerRecorder(
		[this](const std::string &name, const std::string &options,
		       const Outcome &outcome) { refusals_->remember(name, options, outcome); });
	return n;
}

void LoadRun::settled(const PlannedModule &module, const Outcome &outcome)
{
	reportOutcome(journal_, module, outcome);
	tally_.add(module, outcome);
}

void LoadRun::refreshIndex()
{
	auto r = resolver_.refresh();
	if (!r)
		reportIndexKept(journal_, r.error());
	else if (*r)
		reportIndexReloaded(journal_, resolver_.index().tree().displayDir);
}

bool LoadRun::reopenIndex()
{
	Status r = resolver_.reopen();
	if (!r)
		reportIndexKept(journal_, r.error());
	return r.ok();
}

bool LoadRun::settledFirst(size_t count) const
{
	for (size_t i = 0; i < count && i < loader_.size(); i++)
		if (!loader_.outcome(i))
			return false;
	return true;
}

size_t LoadRun::submit(const std::vector<Request> &requests)
{
	refreshIndex();
	ModuleGraph graph = resolver_.resolve(requests);
	// Said before the modules it fails, and once: each of them says it again in its cause.
	const DepmodLag &lag = resolver_.index().depmodLag();
	if (!depmodLagReported_ && lag.any()) {
		reportDepmodLag(journal_, resolver_.index().tree(), lag);
		depmodLagReported_ = true;
	}
	if (graph.modules.empty())
		return 0;
	return loader_.add(std::move(graph));
}

} // namespace modloadd
