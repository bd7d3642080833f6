// Table-driven tests of the pure scheduler: each case is a small graph, a script of results,
// and the outcomes and attempt order we should see.
#include "load/insert_result.h"
#include "load/scheduler.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <map>
#include <set>

using namespace modloadd;

namespace {

// Runs a scheduler with `width` jobs in flight, finishing the oldest running job first, with
// results from `errnos` (default 0). Returns the attempt order.
std::vector<std::string> drive(Scheduler &s, std::map<std::string, int> errnos = {},
			       size_t width = 1)
{
	std::vector<std::string> attempts;
	std::vector<size_t> running;
	while (!s.done()) {
		while (running.size() < width) {
			auto j = s.next();
			if (!j)
				break;
			attempts.push_back(s.job(*j).name);
			running.push_back(*j);
		}
		REQUIRE_FALSE(running.empty()); // otherwise the scheduler is stuck
		size_t j = running.front();
		running.erase(running.begin());
		int err = errnos.count(s.job(j).name) ? errnos[s.job(j).name] : 0;
		s.finish(j, classifyInsertResult(-err));
	}
	return attempts;
}

size_t indexOf(const std::vector<std::string> &v, const std::string &name)
{
	return static_cast<size_t>(std::find(v.begin(), v.end(), name) - v.begin());
}

JobEdge hard(size_t i)
{
	return {i, true};
}
JobEdge soft(size_t i)
{
	return {i, false};
}

} // namespace

TEST_CASE("given a shared dependency, we should attempt it once and before both users")
{
	// 0 base; 1 left -> base; 2 right -> base; 3 top -> left, right
	Scheduler s({{"base", {}, {}},
		     {"left", {hard(0)}, {}},
		     {"right", {hard(0)}, {}},
		     {"top", {hard(1), hard(2)}, {}}});
	auto order = drive(s, {}, 3);
	REQUIRE(order.size() == 4);
	CHECK(order.front() == "base");
	CHECK(order.back() == "top");
	CHECK(std::set<std::string>(order.begin(), order.end()).size() == 4);
	for (size_t i = 0; i < 4; i++)
		CHECK(s.outcome(i)->kind == OutcomeKind::Inserted);
}

TEST_CASE("given softdeps pre and post, we should order them around the module")
{
	// 0 pre; 1 mod waits (soft) for pre; 2 post waits (soft) for mod
	Scheduler s({{"pre", {}, {}}, {"mod", {soft(0)}, {}}, {"post", {soft(1)}, {}}});
	auto order = drive(s, {}, 4);
	CHECK(order == std::vector<std::string>{"pre", "mod", "post"});
}

TEST_CASE("given a failed pre softdep, we should still attempt the module")
{
	Scheduler s({{"pre", {}, {}}, {"mod", {soft(0)}, {}}});
	auto order = drive(s, {{"pre", EINVAL}});
	CHECK(order == std::vector<std::string>{"pre", "mod"});
	CHECK(s.outcome(0)->kind == OutcomeKind::Failed);
	CHECK(s.outcome(1)->kind == OutcomeKind::Inserted);
}

TEST_CASE("given a failed hard dependency, we should fail its dependents without attempts")
{
	// chain: 0 c <- 1 b <- 2 a, plus an unrelated 3 z
	Scheduler s({{"c", {}, {}}, {"b", {hard(0)}, {}}, {"a", {hard(1)}, {}}, {"z", {}, {}}});
	auto order = drive(s, {{"c", ENOEXEC}});
	CHECK(indexOf(order, "b") == order.size());
	CHECK(indexOf(order, "a") == order.size());
	CHECK(indexOf(order, "z") < order.size());
	REQUIRE(s.outcome(1)->kind == OutcomeKind::Failed);
	CHECK(s.outcome(1)->err == ENOEXEC);
	CHECK(s.outcome(1)->cause == "dependency 'c' failed");
	CHECK(s.outcome(2)->kind == OutcomeKind::Failed);
	CHECK(s.outcome(2)->cause == "dependency 'b' failed");
	CHECK(s.outcome(3)->kind == OutcomeKind::Inserted);
}

TEST_CASE("given a dependency without its device, we should report dependents as no device")
{
	Scheduler s({{"hw", {}, {}}, {"user", {hard(0)}, {}}});
	drive(s, {{"hw", ENODEV}});
	CHECK(s.outcome(0)->kind == OutcomeKind::NoDevice);
	CHECK(s.outcome(1)->kind == OutcomeKind::NoDevice);
	CHECK(s.outcome(1)->cause == "dependency 'hw' no device");
}

TEST_CASE("given settled jobs, we should never hand them out and let dependents start")
{
	Outcome builtin{OutcomeKind::Builtin, 0, {}, {}};
	Outcome live{OutcomeKind::AlreadyLoaded, 0, {}, {}};
	Outcome missing{OutcomeKind::NotFound, ENOENT, "no such module", {}};
	Outcome blacklisted{OutcomeKind::Blacklisted, 0, "blacklisted in modprobe.d", {}};
	Scheduler s({{"b", {}, builtin},
		     {"l", {}, live},
		     {"m", {}, missing},
		     {"x", {}, blacklisted},
		     {"user", {hard(0), hard(1)}, {}},
		     {"needsx", {hard(3)}, {}}});
	auto order = drive(s);
	CHECK(order == std::vector<std::string>{"user"});
	CHECK(s.outcome(4)->kind == OutcomeKind::Inserted);
	CHECK(s.outcome(5)->kind == OutcomeKind::Blacklisted);
	CHECK(s.outcome(5)->cause == "dependency 'x' blacklisted");
}

TEST_CASE("given a preset failure behind a preset missing job, we should keep the preset's cause")
{
	// A plan that found a dependency's file missing settles its users itself, with the file.
	Outcome missing{OutcomeKind::NotFound, ENOENT, "c.ko does not exist", {}};
	Outcome failing{OutcomeKind::Failed, ENOENT, "dependency 'c' is missing: c.ko ...", {}};
	Scheduler s({{"c", {}, missing}, {"b", {hard(0)}, failing}, {"a", {hard(1)}, {}}});
	CHECK(drive(s).empty());
	CHECK(s.outcome(1)->kind == OutcomeKind::Failed);
	CHECK(s.outcome(1)->cause == "dependency 'c' is missing: c.ko ...");
	CHECK(s.outcome(2)->cause == "dependency 'b' failed");
}

TEST_CASE("given a table of graphs, we should attempt every attemptable job exactly once")
{
	struct Case {
		const char *given;
		std::vector<Job> jobs;
		std::map<std::string, int> errnos;
		size_t width;
		size_t expectedAttempts;
	};
	std::vector<Case> cases = {
		{"empty graph", {}, {}, 4, 0},
		{"one job", {{"a", {}, {}}}, {}, 1, 1},
		{"independent jobs, wide", {{"a", {}, {}}, {"b", {}, {}}, {"c", {}, {}}}, {}, 8, 3},
		{"chain, failure in the middle",
		 {{"a", {}, {}}, {"b", {hard(0)}, {}}, {"c", {hard(1)}, {}}},
		 {{"b", EPERM}},
		 2,
		 2},
		{"already-loaded answer from the kernel", {{"a", {}, {}}}, {{"a", EEXIST}}, 1, 1},
	};
	for (auto &c : cases) {
		SECTION(c.given)
		{
			Scheduler s(c.jobs);
			auto order = drive(s, c.errnos, c.width);
			CHECK(order.size() == c.expectedAttempts);
			CHECK(std::set<std::string>(order.begin(), order.end()).size() ==
			      order.size());
			CHECK(s.done());
		}
	}
}

TEST_CASE("given an EEXIST answer, we should count the module as already loaded")
{
	Scheduler s({{"a", {}, {}}, {"b", {hard(0)}, {}}});
	drive(s, {{"a", EEXIST}});
	CHECK(s.outcome(0)->kind == OutcomeKind::AlreadyLoaded);
	CHECK(s.outcome(1)->kind == OutcomeKind::Inserted);
}

TEST_CASE("given a cycle, we should settle it as ELOOP instead of waiting forever")
{
	Scheduler s({{"x", {hard(1)}, {}}, {"y", {hard(0)}, {}}, {"free", {}, {}}});
	auto order = drive(s);
	CHECK(order == std::vector<std::string>{"free"});
	CHECK(s.outcome(0)->kind == OutcomeKind::Failed);
	CHECK((s.outcome(0)->err == ELOOP || s.outcome(1)->err == ELOOP));
	CHECK(s.done());
}

TEST_CASE("given a long chain and independent jobs, we should start the critical path first")
{
	// chain c0 <- c1 <- c2 <- c3; leaves l0, l1 listed first.
	Scheduler s({{"l0", {}, {}},
		     {"l1", {}, {}},
		     {"c0", {}, {}},
		     {"c1", {hard(2)}, {}},
		     {"c2", {hard(3)}, {}},
		     {"c3", {hard(4)}, {}}});
	CHECK(s.priority(2) == 4);
	CHECK(s.priority(0) == 1);
	auto first = s.next();
	REQUIRE(first);
	CHECK(s.job(*first).name == "c0");
}

TEST_CASE("given settled events, we should report each job exactly once, in settle order")
{
	Outcome builtin{OutcomeKind::Builtin, 0, {}, {}};
	Scheduler s({{"b", {}, builtin}, {"a", {}, {}}, {"d", {hard(1)}, {}}});
	CHECK(s.takeSettled() == std::vector<size_t>{0});
	auto j = s.next();
	REQUIRE(j == 1u);
	s.finish(1, classifyInsertResult(-EIO));
	CHECK(s.takeSettled() == std::vector<size_t>{1, 2});
	CHECK(s.takeSettled().empty());
	CHECK(s.done());
}

TEST_CASE(
	"given a later batch that needs a module already inserted, we should not attempt it again")
{
	Scheduler s(std::vector<Job>{{"base", {}, {}}});
	auto first = drive(s);
	CHECK(first == std::vector<std::string>{"base"});
	size_t at = s.add({{"user", {hard(0)}, {}}});
	CHECK(at == 1);
	auto second = drive(s);
	CHECK(second == std::vector<std::string>{"user"});
	CHECK(s.outcome(1)->kind == OutcomeKind::Inserted);
}

TEST_CASE("given a later batch that needs a module that failed, we should settle it without an "
	  "attempt")
{
	Scheduler s(std::vector<Job>{{"base", {}, {}}});
	drive(s, {{"base", EINVAL}});
	s.add({{"user", {hard(0)}, {}}, {"top", {hard(1)}, {}}, {"other", {soft(0)}, {}}});
	auto attempts = drive(s);
	CHECK(attempts == std::vector<std::string>{"other"});
	REQUIRE(s.outcome(1));
	CHECK(s.outcome(1)->kind == OutcomeKind::Failed);
	CHECK(s.outcome(1)->cause == "dependency 'base' failed");
	CHECK(s.outcome(2)->kind == OutcomeKind::Failed);
	CHECK(s.outcome(3)->kind == OutcomeKind::Inserted);
	CHECK(s.done());
}

TEST_CASE("given a batch added while earlier jobs still run, we should start its jobs only after "
	  "their dependencies settle")
{
	Scheduler s(std::vector<Job>{{"slow", {}, {}}});
	auto j = s.next();
	REQUIRE(j == 0u);
	s.add({{"needs-slow", {hard(0)}, {}}, {"free", {}, {}}});
	auto k = s.next();
	REQUIRE(k);
	CHECK(s.job(*k).name == "free");
	CHECK_FALSE(s.next()); // needs-slow still waits
	s.finish(0, classifyInsertResult(0));
	auto l = s.next();
	REQUIRE(l);
	CHECK(s.job(*l).name == "needs-slow");
	s.finish(*k, classifyInsertResult(0));
	s.finish(*l, classifyInsertResult(0));
	CHECK(s.done());
	auto settled = s.takeSettled();
	CHECK(settled.size() == 3);
}

TEST_CASE("given a batch with a cycle of its own, we should settle the cycle and keep the rest")
{
	Scheduler s(std::vector<Job>{{"base", {}, {}}});
	drive(s);
	s.add({{"a", {hard(2)}, {}}, {"b", {hard(1)}, {}}, {"c", {hard(0)}, {}}});
	// a (1) and b (2) wait for each other; c (3) waits only for base
	auto attempts = drive(s);
	CHECK(attempts == std::vector<std::string>{"c"});
	CHECK(s.outcome(1)->err == ELOOP);
	CHECK(s.outcome(2)->kind == OutcomeKind::Failed);
}

TEST_CASE("given an empty scheduler, we should be done and accept a first batch later")
{
	Scheduler s;
	CHECK(s.done());
	CHECK_FALSE(s.next());
	s.add({{"late", {}, {}}});
	CHECK_FALSE(s.done());
	CHECK(drive(s) == std::vector<std::string>{"late"});
}
