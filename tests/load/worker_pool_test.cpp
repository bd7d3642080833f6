// The worker pool with inserts that hang: deadlines, replacement threads and their bound, late
// answers, and a destructor that does not wait for a hung insert.
#include "load/simulated_backend.h"
#include "load/worker_pool.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <future>
#include <map>

using namespace modloadd;
using namespace std::chrono_literals;

namespace {

constexpr unsigned kHangMs = 10 * 60 * 1000; // a hung init: longer than any test runs
constexpr auto kBound = 20s;		     // how long a test waits for what must come

LoadJob job(const std::string &name)
{
	return {name, "/x/" + name + ".ko", {}, {}};
}

// Collects results until PRED holds for them all, or the bound passes.
template <typename Pred> std::vector<InsertResult> collectUntil(WorkerPool &pool, Pred pred)
{
	std::vector<InsertResult> all;
	auto deadline = std::chrono::steady_clock::now() + kBound;
	while (!pred(all) && std::chrono::steady_clock::now() < deadline) {
		for (InsertResult &r : pool.takeResults())
			all.push_back(std::move(r));
		std::this_thread::sleep_for(5ms);
	}
	return all;
}

size_t countWhen(const std::vector<InsertResult> &results, InsertResult::When when)
{
	size_t n = 0;
	for (const InsertResult &r : results)
		n += r.when == when;
	return n;
}

} // namespace

TEST_CASE("given a pool of one whose insert hangs, we should time it out and go on with a new "
	  "thread")
{
	SimulationScript script = SimulationScript::uniform(1);
	script.set("hung", {kHangMs, 0});
	SimulatedBackend backend(script);
	WorkerPool pool(backend, 1, 100ms);
	pool.submit(0, job("hung"));
	for (size_t i = 1; i <= 5; i++)
		pool.submit(i, job("m" + std::to_string(i)));

	auto results = collectUntil(pool, [](const auto &r) { return r.size() >= 6; });
	REQUIRE(results.size() == 6);
	std::map<size_t, InsertResult> byJob;
	for (InsertResult &r : results)
		byJob[r.job] = r;
	CHECK(byJob[0].when == InsertResult::When::TimedOut);
	CHECK(byJob[0].rc == -ETIMEDOUT);
	CHECK_FALSE(byJob[0].kernelMessage.empty()); // what the backend said so far
	for (size_t i = 1; i <= 5; i++) {
		CHECK(byJob[i].when == InsertResult::When::InTime);
		CHECK(byJob[i].rc == 0);
	}
	CHECK(pool.threadsStarted() == 2); // the hung one and its replacement
	CHECK(pool.running() == std::vector<size_t>{0});
	CHECK(pool.inFlight() == 0);
}

TEST_CASE("given an insert that returns after its deadline, we should hear of it twice: timed "
	  "out, then late")
{
	SimulationScript script = SimulationScript::uniform(1);
	script.set("slow", {600, ENODEV});
	SimulatedBackend backend(script);
	WorkerPool pool(backend, 2, 100ms);
	pool.submit(7, job("slow"));
	auto results = collectUntil(pool, [](const auto &r) { return r.size() >= 2; });
	REQUIRE(results.size() == 2);
	CHECK(results[0].when == InsertResult::When::TimedOut);
	CHECK(results[1].when == InsertResult::When::Late);
	CHECK(results[1].job == 7);
	CHECK(results[1].rc == -ENODEV);
	CHECK(pool.running().empty());
	CHECK(pool.threadsStarted() == 1);
	// The late thread serves again: the pool is short of one.
	pool.submit(8, job("after"));
	results = collectUntil(pool, [](const auto &r) { return !r.empty(); });
	REQUIRE(results.size() == 1);
	CHECK(results[0].rc == 0);
	CHECK(pool.threadsStarted() == 1);
}

TEST_CASE("given more hung inserts than the bound on stuck threads, we should stop starting "
	  "threads at the bound")
{
	SimulationScript script = SimulationScript::uniform(kHangMs);
	SimulatedBackend backend(script);
	const unsigned workers = 2;
	const size_t hung = WorkerPool::kMaxStuck + workers + 6;
	WorkerPool pool(backend, workers, 20ms);
	std::vector<InsertResult> results;
	// The owner submits again as answers come, as the loader does.
	size_t submitted = 0;
	auto deadline = std::chrono::steady_clock::now() + kBound;
	while (std::chrono::steady_clock::now() < deadline &&
	       results.size() < WorkerPool::kMaxStuck + workers) {
		while (submitted < hung && pool.inFlight() < workers) {
			pool.submit(submitted, job("h" + std::to_string(submitted)));
			submitted++;
		}
		for (InsertResult &r : pool.takeResults())
			results.push_back(std::move(r));
		std::this_thread::sleep_for(5ms);
	}
	CHECK(countWhen(results, InsertResult::When::TimedOut) == WorkerPool::kMaxStuck + workers);
	std::this_thread::sleep_for(200ms); // nothing more may start
	for (InsertResult &r : pool.takeResults())
		results.push_back(std::move(r));
	CHECK(results.size() == WorkerPool::kMaxStuck + workers);
	CHECK(pool.threadsStarted() == WorkerPool::kMaxStuck + workers);
	CHECK(backend.attempts().size() == WorkerPool::kMaxStuck + workers);
}

TEST_CASE("given inserts that hang, destroying the pool should not wait for them")
{
	SimulationScript script = SimulationScript::uniform(kHangMs);
	SimulatedBackend backend(script);
	auto pool = std::make_unique<WorkerPool>(backend, 3); // no deadline at all
	for (size_t i = 0; i < 3; i++)
		pool->submit(i, job("h" + std::to_string(i)));
	auto deadline = std::chrono::steady_clock::now() + kBound;
	while (backend.attempts().size() < 3 && std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(5ms);
	REQUIRE(backend.attempts().size() == 3);
	CHECK(pool->running().size() == 3);
	auto gone = std::async(std::launch::async, [&] { pool.reset(); });
	// Ten minutes of latency each: only abandon() ends this within the bound.
	CHECK(gone.wait_for(kBound) == std::future_status::ready);
}
