// The worker pool with the simulated backend: bound, one attempt each, dependency order.
#include "load/simulated_backend.h"
#include "load/worker_pool.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <map>

using namespace modloadd;

namespace {

struct Run {
	std::map<std::string, Outcome> outcomes;
	std::vector<std::string> settleOrder;
};

Run run(std::vector<Job> jobs, SimulatedBackend &backend, unsigned workers)
{
	std::vector<LoadJob> loadJobs;
	for (const Job &j : jobs)
		loadJobs.push_back({j.name, "/x/" + j.name + ".ko", {}, {}});
	Scheduler s(jobs);
	Run r;
	runToCompletion(s, loadJobs, backend, workers, [&](size_t i, const Outcome &o) {
		r.outcomes[s.job(i).name] = o;
		r.settleOrder.push_back(s.job(i).name);
	});
	return r;
}

} // namespace

TEST_CASE("given many independent modules, we should never exceed the pool bound")
{
	std::vector<Job> jobs;
	for (int i = 0; i < 24; i++)
		jobs.push_back({"m" + std::to_string(i), {}, {}});
	for (unsigned workers : {1u, 3u, 8u}) {
		SimulatedBackend backend(SimulationScript::uniform(5));
		Run r = run(jobs, backend, workers);
		CAPTURE(workers);
		CHECK(r.outcomes.size() == 24);
		CHECK(backend.peakConcurrency() <= workers);
		// With 24 jobs of 5 ms, the pool fills up: a bound that is not used is not
		// honoured.
		CHECK(backend.peakConcurrency() == workers);
	}
}

TEST_CASE("given modules sharing dependencies, we should attempt each exactly once, deps first")
{
	// Every one of 10 users depends on both "core" and "lib"; lib depends on core.
	std::vector<Job> jobs{{"core", {}, {}}, {"lib", {{0, true}}, {}}};
	for (int i = 0; i < 10; i++)
		jobs.push_back({"user" + std::to_string(i), {{0, true}, {1, true}}, {}});
	SimulatedBackend backend(SimulationScript::uniform(1));
	Run r = run(jobs, backend, 4);
	for (auto &[name, count] : backend.attempts())
		CHECK(count == 1);
	CHECK(backend.attempts().size() == 12);
	auto order = backend.insertOrder();
	CHECK(order[0] == "core");
	CHECK(order[1] == "lib");
}

TEST_CASE("given a scripted failure, we should report it and still load the rest")
{
	Diagnostics diags;
	auto script =
		SimulationScript::parse("*:1:0\nbad:0:ENOEXEC\nnodev:0:19\n", "script", diags);
	CHECK(diags.empty());
	SimulatedBackend backend(std::move(script));
	Run r = run(
		{{"bad", {}, {}}, {"needsbad", {{0, true}}, {}}, {"nodev", {}, {}}, {"ok", {}, {}}},
		backend, 2);
	CHECK(r.outcomes["bad"].kind == OutcomeKind::Failed);
	CHECK(r.outcomes["bad"].err == ENOEXEC);
	CHECK_FALSE(r.outcomes["bad"].kernelMessage.empty());
	CHECK(r.outcomes["needsbad"].kind == OutcomeKind::Failed);
	CHECK(r.outcomes["nodev"].kind == OutcomeKind::NoDevice);
	CHECK(r.outcomes["ok"].kind == OutcomeKind::Inserted);
	CHECK(backend.attempts().count("needsbad") == 0);
}

TEST_CASE("given a malformed simulation script, we should name the line and keep the rest")
{
	Diagnostics diags;
	auto script = SimulationScript::parse("a:1:0\nnonsense\nb:x:0\nc:2:EWHAT\nd:3:ENODEV\n",
					      "s.txt", diags);
	REQUIRE(diags.size() == 3);
	CHECK(diags[0].line == 2);
	CHECK(diags[1].line == 3);
	CHECK(diags[2].line == 4);
	CHECK(script.lookup("d").err == ENODEV);
	CHECK(script.lookup("d").latencyMs == 3);
	CHECK(script.lookup("a").latencyMs == 1);
}
