// The one loader: module graphs in, outcomes out. What the daemon runs to insert modules, and
// what the tests and the benchmarks run.
//
// Graphs arrive over time (the static lists, each device, a rule, a reload). Every module is
// one job of a Scheduler for the whole run, so it is attempted at most once however many graphs
// name it; a module a later graph names again keeps its job and gains the new origins. Ready
// jobs go to a bounded WorkerPool; what settles is handed to the observer in settle order, on
// the owner's thread.
#pragma once

#include "base/outcome.h"
#include "load/backend.h"
#include "load/scheduler.h"
#include "load/worker_pool.h"
#include "resolve/module_graph.h"

#include <chrono>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace modloadd {

// The scheduler's and the workers' views of a graph (same indices).
std::vector<Job> jobsOf(const ModuleGraph &graph);
std::vector<LoadJob> loadJobsOf(const ModuleGraph &graph);

// All members are called from the owning thread.
class Loader {
public:
	// `insertTimeout`: how long one insert may run before the module is settled as timed out
	// and the run goes on without it (zero: no bound).
	Loader(Backend &backend, unsigned workers, std::chrono::milliseconds insertTimeout = {});

	// Called for every module as it settles, with its outcome, in settle order.
	using Observer = std::function<void(const PlannedModule &, const Outcome &)>;
	void setObserver(Observer observer) { observer_ = std::move(observer); }
	// Called when a module settled as denied for devices (PlannedModule::deniedBy) is asked
	// for again by what may load it: its settled job is withdrawn (a new one takes its place),
	// and what counted it uncounts it.
	void setWithdrawObserver(Observer observer) { withdrawObserver_ = std::move(observer); }
	// Called when an insert that timed out returns after all, with what became of it. The
	// module stays settled as timed out, and so do its dependents.
	void setLateObserver(Observer observer) { lateObserver_ = std::move(observer); }

	// Called for every answer from the kernel (in time or late) with how long the insert took,
	// in seconds, on the owner's thread.
	using InsertTimer = std::function<void(const PlannedModule &, const Outcome &, double)>;
	void setInsertTimer(InsertTimer timer) { insertTimer_ = std::move(timer); }

	// Called on a worker thread with the outcome of each answer from the kernel, as soon as it
	// comes (in time or late): for a record that must not wait for the owner's thread.
	// Its arguments: the module's name, its options, the outcome.
	using AnswerRecorder =
		std::function<void(const std::string &, const std::string &, const Outcome &)>;
	void setAnswerRecorder(AnswerRecorder record)
	{
		pool_.setRecorder([record = std::move(record)](const LoadJob &job, int rc) {
			record(job.name, job.options, classifyInsertResult(rc));
		});
	}

	// Outcomes to take instead of an attempt for modules this run meets later: what the kernel
	// refused earlier in this boot (load/refusals.h).
	void presettle(std::unordered_map<std::string, Outcome> outcomes)
	{
		presettled_ = std::move(outcomes);
	}

	// Adds the graph's modules this run does not have yet and starts what is ready. A module
	// the run has keeps its job and its one attempt; its new origins and devices are kept (the
	// first 64 of each). A name found missing before and missing still keeps its settled job.
	// A module only denied for devices so far that the graph plans to insert (a person listed
	// it, a module needs it, a reload lifted the denial) gets a new job; the old one is
	// withdrawn. Returns how many modules were new.
	size_t add(ModuleGraph graph);

	// Takes the finished insertions and starts what became ready. Never blocks: call it when
	// eventFd() is readable.
	void collect();
	// Blocks until every module has settled.
	void waitIdle();
	// Readable when insertions have finished.
	int eventFd() const { return pool_.eventFd(); }

	// Modules whose inserts have not returned, timed out or not.
	std::vector<std::string> running() const;

	bool idle() const { return scheduler_.done(); }
	// Jobs, withdrawn ones included; the modules are size() - withdrawn().
	size_t size() const { return modules_.size(); }
	size_t withdrawn() const { return withdrawnCount_; }
	// Whether job i was withdrawn: a later job of the same module took its place.
	bool withdrawn(size_t i) const { return attempts_[i].withdrawn; }
	const PlannedModule &module(size_t i) const { return modules_[i]; }
	const std::optional<Outcome> &outcome(size_t i) const { return scheduler_.outcome(i); }
	// How long job i's insert took, to its answer or its timeout; none when not attempted
	// (decided by the plan, a dependency, an earlier refusal) or not answered yet.
	const std::optional<std::chrono::microseconds> &took(size_t i) const
	{
		return attempts_[i].took;
	}
	// What job i's insert came back with after it had timed out, and when.
	const std::optional<Outcome> &late(size_t i) const { return attempts_[i].late; }
	const std::optional<std::chrono::microseconds> &lateTook(size_t i) const
	{
		return attempts_[i].lateTook;
	}

private:
	void settle(std::vector<InsertResult> results);
	void dispatch();
	void announceSettled();

	WorkerPool pool_;
	Scheduler scheduler_;
	std::vector<PlannedModule> modules_; // by job
	std::vector<LoadJob> loadJobs_;	     // by job
	struct Attempt {
		std::optional<std::chrono::microseconds> took, lateTook;
		std::optional<Outcome> late;
		bool withdrawn = false;
	};
	std::vector<Attempt> attempts_; // by job
	std::unordered_map<std::string, size_t> byName_;
	std::unordered_map<std::string, size_t> missingByName_; // names that resolved to nothing
	std::unordered_map<std::string, Outcome> presettled_;
	Observer observer_ = [](const PlannedModule &, const Outcome &) {};
	Observer lateObserver_ = [](const PlannedModule &, const Outcome &) {};
	Observer withdrawObserver_ = [](const PlannedModule &, const Outcome &) {};
	size_t withdrawnCount_ = 0;
	InsertTimer insertTimer_;
	std::chrono::milliseconds insertTimeout_;
};

} // namespace modloadd
