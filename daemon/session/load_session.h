// One run of the daemon's loading: requests arrive over time (static lists, devices present,
// hotplug), each module is attempted at most once, every outcome is reported as it settles.
#pragma once

#include "base/journal.h"
#include "load/worker_pool.h"
#include "report/outcome_report.h"
#include "resolve/module_graph.h"

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace modloadd {

class LoadSession {
public:
	// `options` holds what the whole run resolves with (blacklists, install commands); the
	// live set is read again for every batch.
	LoadSession(ModuleIndex index, ResolveOptions options, Backend &backend, unsigned workers,
		    Journal &journal);

	// Remember refusals (no device, failed) in `path` — a file on /run, so for this boot
	// only — and take those of an earlier run of this boot as settled: a restarted daemon
	// does not try a module again that the kernel already refused. Returns how many were
	// read.
	size_t rememberRefusals(std::string path);

	// Resolve and queue the requests this run has not seen. A request (name, alias or
	// modalias) is resolved once per run and a module attempted at most once, however many
	// devices ask for it; a request that resolved to nothing stays unanswered until depmod
	// rewrites the indexes or reopenIndex() reads them again, and is reported once per run
	// while it finds nothing. Returns how many modules were new to the run.
	size_t submit(const std::vector<Request> &requests);

	// Take finished insertions, report them, hand out what became ready. Call when eventFd()
	// is readable; never blocks.
	void collect();
	// Block until every queued module has settled (for --once and tests).
	void waitIdle();
	// Readable when insertions have finished.
	int eventFd() const { return pool_.eventFd(); }

	bool idle() const { return scheduler_.done(); }
	const Tally &tally() const { return tally_; }
	size_t modules() const { return modules_.size(); }
	const PlannedModule &module(size_t i) const { return modules_[i]; }
	const std::optional<Outcome> &outcome(size_t i) const { return scheduler_.outcome(i); }
	// The index the run resolves with, reopened first when depmod rewrote it: for expanding
	// module globs. Main thread only.
	ModuleIndex &index()
	{
		refreshIndex();
		return index_;
	}
	// Opens the index again even when depmod did not rewrite it: modprobe.d (options,
	// blacklists, softdeps, install commands) is read anew, and requests that resolved to
	// nothing are resolved again. On failure the old index stays. Main thread only.
	bool reopenIndex();
	// Requests answered from memory instead of being resolved again.
	size_t repeatedRequests() const { return repeated_; }
	size_t indexReloads() const { return reloads_; }

private:
	void refreshIndex();
	void reportSettled();
	void persistRefusal(const std::string &name, const Outcome &outcome);

	ModuleIndex index_; // main thread only: libkmod is not thread-safe
	ResolveOptions options_;
	Journal &journal_;
	WorkerPool pool_;
	Scheduler scheduler_;
	std::vector<PlannedModule> modules_; // by scheduler job
	std::vector<LoadJob> loadJobs_;	     // by scheduler job
	std::unordered_map<std::string, size_t> byName_;
	std::unordered_map<std::string, size_t> missingByName_; // names that resolved to nothing
	std::unordered_set<std::string> seen_; // requests already resolved this run
	Tally tally_;
	std::string refusalsPath_;
	std::unordered_map<std::string, Outcome> earlierRefusals_;
	size_t repeated_ = 0;
	size_t reloads_ = 0;
};

} // namespace modloadd
