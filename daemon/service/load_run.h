// One run's loading: requests in (static lists, devices, rules, reloads), each resolved once,
// each module attempted at most once, every outcome journaled as it settles, counted, and the
// kernel's refusals remembered for the boot.
#pragma once

#include "base/journal.h"
#include "load/loader.h"
#include "load/refusals.h"
#include "report/metrics.h"
#include "report/tally.h"
#include "resolve/resolver.h"

#include <optional>
#include <vector>

namespace modloadd {

// Main thread only.
class LoadRun {
public:
	// Borrows RESOLVER (the boot's, whose index the rules' globs read too) and BACKEND; an
	// insert past INSERT_TIMEOUT is settled as timed out (zero: no bound).
	LoadRun(Resolver &resolver, Backend &backend, unsigned workers,
		std::chrono::milliseconds insertTimeout, Journal &journal);
	LoadRun(const LoadRun &) = delete;
	LoadRun &operator=(const LoadRun &) = delete;

	// Remember the kernel's refusals in REFUSALS, and take those of an earlier run of this boot
	// as settled. Returns how many were read.
	size_t rememberRefusals(Refusals refusals);

	// Resolves the requests this run has not seen and queues their modules; reports what
	// settles at once. Returns how many modules were new to the run.
	size_t submit(const std::vector<Request> &requests);

	// The index opened again if depmod rewrote it, said in the journal either way.
	void refreshIndex();
	// The index opened again (a reload reads modprobe.d anew); a failure is journaled and the
	// old index stays. Returns whether it was opened.
	bool reopenIndex();

	// Finished insertions taken, reported, what became ready started. Never blocks.
	void collect() { loader_.collect(); }
	// Blocks until every queued module has settled.
	void waitIdle() { loader_.waitIdle(); }
	int eventFd() const { return loader_.eventFd(); }
	bool idle() const { return loader_.idle(); }
	// Whether the run's first COUNT modules have settled.
	bool settledFirst(size_t count) const;

	const Tally &tally() const { return tally_; }
	// How long the kernel took to answer each insert.
	const InsertDurations &durations() const { return durations_; }
	// "Loading modules: 5/12 settled, ..." while it runs.
	std::string progress() const
	{
		return tally_.progress(loader_.size() - loader_.withdrawn());
	}
	const Loader &loader() const { return loader_; }
	// Modules whose inserts have not returned, timed out or not.
	std::vector<std::string> running() const { return loader_.running(); }

private:
	void settled(const PlannedModule &module, const Outcome &outcome);

	Resolver &resolver_;
	Backend &backend_;
	Journal &journal_;
	Loader loader_;
	Tally tally_;
	InsertDurations durations_;
	std::optional<Refusals> refusals_;
	bool depmodLagReported_ = false; // once per run, whatever the lookups find after
};

} // namespace modloadd
