// The loader with the simulated backend: the pool's bound, one attempt each, dependency order,
// and the event-driven loop the daemon runs.
#include "load/loader.h"
#include "load/refusals.h"
#include "load/simulated_backend.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <map>
#include <poll.h>

using namespace modloadd;

namespace {

struct Run {
	std::map<std::string, Outcome> outcomes;
	std::vector<std::string> settleOrder;
};

// The graph of JOBS (names and hard or soft edges to earlier jobs), each module to insert.
ModuleGraph graphOf(const std::vector<Job> &jobs)
{
	ModuleGraph g;
	for (const Job &j : jobs) {
		PlannedModule m;
		m.name = j.name;
		m.path = "/x/" + j.name + ".ko";
		for (const JobEdge &e : j.waitsFor)
			m.waitsFor.push_back({e.job, e.hard});
		g.modules.push_back(std::move(m));
	}
	return g;
}

Run run(std::vector<Job> jobs, SimulatedBackend &backend, unsigned workers)
{
	Loader loader(backend, workers);
	Run r;
	loader.setObserver([&](const PlannedModule &m, const Outcome &o) {
		r.outcomes[m.name] = o;
		r.settleOrder.push_back(m.name);
	});
	loader.add(graphOf(jobs));
	loader.waitIdle();
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

TEST_CASE("given graphs over time, we should attempt a module named twice once, and settle "
	  "everything through the event-driven loop")
{
	// The daemon's way: wait on eventFd(), then collect(); never block in the loader.
	SimulatedBackend backend(SimulationScript::uniform(2));
	Loader loader(backend, 2);
	std::map<std::string, unsigned> settled;
	loader.setObserver([&](const PlannedModule &m, const Outcome &) { settled[m.name]++; });
	CHECK(loader.add(graphOf({{"core", {}, {}}, {"a", {{0, true}}, {}}})) == 2);
	// "core" again (a second device asking for it), and a new user of it.
	CHECK(loader.add(graphOf({{"core", {}, {}}, {"b", {{0, true}}, {}}})) == 1);
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
	while (!loader.idle() && std::chrono::steady_clock::now() < deadline) {
		pollfd p{loader.eventFd(), POLLIN, 0};
		if (poll(&p, 1, 1000) > 0)
			loader.collect();
	}
	REQUIRE(loader.idle());
	CHECK(settled == std::map<std::string, unsigned>{{"core", 1}, {"a", 1}, {"b", 1}});
	CHECK(backend.attempts() ==
	      std::map<std::string, unsigned>{{"core", 1}, {"a", 1}, {"b", 1}});
	// b waited for core, which the first graph had.
	auto order = backend.insertOrder();
	CHECK(order.front() == "core");
}

TEST_CASE("given an earlier refusal, we should take it instead of an attempt")
{
	SimulatedBackend backend(SimulationScript::uniform(0));
	Loader loader(backend, 1);
	loader.presettle({{"nodev", Outcome{OutcomeKind::NoDevice, ENODEV, "earlier", {}}}});
	std::map<std::string, Outcome> outcomes;
	loader.setObserver([&](const PlannedModule &m, const Outcome &o) { outcomes[m.name] = o; });
	loader.add(graphOf({{"nodev", {}, {}}, {"user", {{0, true}}, {}}}));
	loader.waitIdle();
	CHECK(outcomes["nodev"].kind == OutcomeKind::NoDevice);
	CHECK(outcomes["user"].kind == OutcomeKind::NoDevice);
	CHECK(backend.attempts().empty());
}

TEST_CASE("given two hung inserts and two workers, the rest of the graph should load, and the "
	  "hung modules' dependents should not be attempted")
{
	constexpr unsigned kHangMs = 10 * 60 * 1000;
	SimulationScript script = SimulationScript::uniform(20);
	script.set("hang1", {kHangMs, 0});
	script.set("hang2", {kHangMs, 0});
	SimulatedBackend backend(script);
	// The hung ones come first: they take both workers before anything else starts.
	std::vector<Job> jobs{{"hang1", {}, {}}, {"hang2", {}, {}}, {"user", {{0, true}}, {}}};
	for (int i = 0; i < 11; i++)
		jobs.push_back({"m" + std::to_string(i), {}, {}});
	auto loader = std::make_unique<Loader>(backend, 2, std::chrono::milliseconds(200));
	std::map<std::string, Outcome> outcomes;
	loader->setObserver(
		[&](const PlannedModule &m, const Outcome &o) { outcomes[m.name] = o; });
	loader->add(graphOf(jobs));
	loader->waitIdle();

	REQUIRE(outcomes.size() == jobs.size());
	for (const char *hung : {"hang1", "hang2"}) {
		CHECK(outcomes[hung].kind == OutcomeKind::TimedOut);
		CHECK(outcomes[hung].err == ETIMEDOUT);
		CHECK(outcomes[hung].cause == "no answer within 200 ms (InsertTimeoutSec=)");
	}
	CHECK(outcomes["user"].kind == OutcomeKind::Failed);
	CHECK(outcomes["user"].cause == "dependency 'hang1' timed out");
	CHECK(backend.attempts().count("user") == 0);
	for (int i = 0; i < 11; i++)
		CHECK(outcomes["m" + std::to_string(i)].kind == OutcomeKind::Inserted);
	// The two replacements ran the rest at the bound's parallelism.
	CHECK(backend.peakConcurrency() == 4);
	std::vector<std::string> running = loader->running(); // in no particular order
	std::sort(running.begin(), running.end());
	CHECK(running == std::vector<std::string>{"hang1", "hang2"});
}

TEST_CASE("given an insert that finishes after its timeout, we should settle it as timed out "
	  "and hear of the late outcome")
{
	SimulationScript script = SimulationScript::uniform(0);
	script.set("slow", {500, 0});
	SimulatedBackend backend(script);
	Loader loader(backend, 1, std::chrono::milliseconds(50));
	std::map<std::string, Outcome> outcomes, late;
	loader.setObserver([&](const PlannedModule &m, const Outcome &o) { outcomes[m.name] = o; });
	loader.setLateObserver([&](const PlannedModule &m, const Outcome &o) { late[m.name] = o; });
	loader.add(graphOf({{"slow", {}, {}}, {"after", {{0, false}}, {}}}));
	loader.waitIdle();
	CHECK(outcomes["slow"].kind == OutcomeKind::TimedOut);
	// A soft edge only orders: the module after it still loads.
	CHECK(outcomes["after"].kind == OutcomeKind::Inserted);
	CHECK(late.empty());
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
	while (late.empty() && std::chrono::steady_clock::now() < deadline) {
		pollfd p{loader.eventFd(), POLLIN, 0};
		if (poll(&p, 1, 1000) > 0)
			loader.collect();
	}
	REQUIRE(late.count("slow") == 1);
	CHECK(late["slow"].kind == OutcomeKind::Inserted);
	CHECK(outcomes["slow"].kind == OutcomeKind::TimedOut); // settled once, not again
	CHECK(loader.running().empty());
}

TEST_CASE("given an earlier refusal of a module's options, we should take it only for the same "
	  "options")
{
	for (const char *options : {"x=1", "x=2"}) {
		SimulatedBackend backend(SimulationScript::uniform(0));
		Loader loader(backend, 1);
		loader.presettle({{Refusals::keyWithOptions("bad", "x=1"),
				   Outcome{OutcomeKind::Failed, EINVAL, "earlier", {}}}});
		std::map<std::string, Outcome> outcomes;
		loader.setObserver(
			[&](const PlannedModule &m, const Outcome &o) { outcomes[m.name] = o; });
		ModuleGraph g = graphOf({{"bad", {}, {}}});
		g.modules[0].options = options;
		loader.add(std::move(g));
		loader.waitIdle();
		CAPTURE(options);
		bool same = std::string(options) == "x=1";
		CHECK(outcomes["bad"].kind == (same ? OutcomeKind::Failed : OutcomeKind::Inserted));
		CHECK(backend.attempts().count("bad") == (same ? 0u : 1u));
	}
}

TEST_CASE("given inserts that take time, we should time each answer of the kernel")
{
	// Three modules of 20 ms each, one of which fails: every answer is timed.
	SimulationScript script = SimulationScript::uniform(20);
	script.set("b", {20, ENOEXEC});
	SimulatedBackend backend(script);
	Loader loader(backend, 2);
	std::map<std::string, double> seconds;
	loader.setInsertTimer(
		[&](const PlannedModule &m, const Outcome &, double s) { seconds[m.name] = s; });
	loader.add(graphOf({{"a", {}, {}}, {"b", {}, {}}, {"c", {{0, true}}, {}}}));
	loader.waitIdle();
	REQUIRE(seconds.size() == 3);
	for (auto &[name, s] : seconds) {
		INFO(name);
		CHECK(s >= 0.019);
		CHECK(s < 20); // generous: the machine is shared
	}
}

TEST_CASE("given a module denied for a device and wanted later, we should load it once and count "
	  "it once")
{
	SimulatedBackend backend(SimulationScript::uniform(1));
	Loader loader(backend, 2);
	std::vector<std::pair<std::string, OutcomeKind>> settled, withdrawn;
	loader.setObserver([&](const PlannedModule &m, const Outcome &o) {
		settled.emplace_back(m.name, o.kind);
	});
	loader.setWithdrawObserver([&](const PlannedModule &m, const Outcome &o) {
		withdrawn.emplace_back(m.name, o.kind);
	});
	ModuleGraph denied = graphOf({{"sctp", {}, {}}});
	denied.modules[0].planned = OutcomeKind::Blacklisted;
	denied.modules[0].deniedBy = "sctp (/etc/modloadd.conf:2)";
	CHECK(loader.add(denied) == 1);
	// Another device: still denied, still one job, no second report.
	CHECK(loader.add(denied) == 0);
	loader.waitIdle();
	CHECK(backend.attempts().empty());
	CHECK(settled == decltype(settled){{"sctp", OutcomeKind::Blacklisted}});

	// A person lists it: a job of its own, the old one withdrawn.
	CHECK(loader.add(graphOf({{"sctp", {}, {}}})) == 1);
	loader.waitIdle();
	CHECK(backend.attempts().at("sctp") == 1);
	CHECK(withdrawn == decltype(withdrawn){{"sctp", OutcomeKind::Blacklisted}});
	CHECK(settled.back() == std::pair<std::string, OutcomeKind>{"sctp", OutcomeKind::Inserted});
	CHECK(loader.size() == 2);
	CHECK(loader.withdrawn() == 1);
	CHECK(loader.withdrawn(0));
	CHECK_FALSE(loader.withdrawn(1));
	// Asked again, by a device or a person: the inserted job stays.
	CHECK(loader.add(denied) == 0);
	CHECK(loader.add(graphOf({{"sctp", {}, {}}})) == 0);
	loader.waitIdle();
	CHECK(backend.attempts().at("sctp") == 1);
	CHECK(withdrawn.size() == 1);
}
