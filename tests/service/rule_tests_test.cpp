// The rules tested off the loop: the loop goes on while a long test runs, what is asked meanwhile
// joins one next test, and a scope with nothing left to test costs no test.
#include <catch2/catch.hpp>

#include "rule_support.h"
#include "service/rule_tests.h"
#include "temp_tree.h"

#include <functional>
#include <memory>
#include <optional>
#include <vector>

using namespace modloadd;
using modloadd::testing::ruleFrom;
using modloadd::testing::TempTree;

namespace {

// A rule about the machine that holds when PATH exists under the root.
Rule pathRule(const std::string &name, const std::string &path)
{
	return ruleFrom(name, "[Match]\nConditionPathExists=" + path + "\n[Load]\nModules=m\n");
}

// COUNT rules that do not hold, each a look at another path on the disk (the facts are cached
// per path): a test of them all takes a while.
std::vector<Rule> manyFailing(size_t count)
{
	std::vector<Rule> rules;
	rules.reserve(count);
	for (size_t i = 0; i < count; i++)
		rules.push_back(
			pathRule("failing-" + std::to_string(i), "/absent-" + std::to_string(i)));
	return rules;
}

// What came back from each test, in order.
struct Answer {
	std::vector<std::string> fired;
	bool newRules;
};

struct Setting {
	Setting()
	{
		dir.write("/etc/present", "x");
		auto opened = EventLoop::open();
		REQUIRE(opened);
		loop.emplace(std::move(*opened));
	}
	// RuleTests over RULES, whose answers land in answers; the loop ends after WANTED of them.
	std::unique_ptr<RuleTests> tests(std::vector<Rule> rules, size_t wanted = 1)
	{
		return std::make_unique<RuleTests>(
			*loop, journal, std::make_unique<RuleBook>(std::move(rules), dir.root()),
			[this] { return devices; },
			[this, wanted](std::vector<Rule> fired, bool newRules) {
				Answer a{{}, newRules};
				for (const Rule &r : fired)
					a.fired.push_back(r.name);
				answers.push_back(std::move(a));
				if (onAnswer)
					onAnswer();
				if (answers.size() == wanted)
					loop->exit();
			});
	}
	// Runs the loop until the answers are in, or for 60 s at most.
	void run()
	{
		auto bound = loop->after(60 * 1000000, [this] { loop->exit(); });
		REQUIRE(bound);
		CHECK(loop->run() >= 0);
	}

	TempTree dir;
	std::optional<EventLoop> loop;
	Journal journal{LogTarget::Memory, LOG_DEBUG};
	DeviceSet devices;
	std::vector<Answer> answers;
	std::function<void()> onAnswer; // on the loop, after each answer
};

const std::vector<std::string> kNone;

} // namespace

TEST_CASE("given a hundred thousand rules to test, the loop should go on serving meanwhile",
	  "[rule-tests]")
{
	Setting the;
	std::vector<Rule> rules = manyFailing(100000);
	rules.push_back(pathRule("holds", "/etc/present"));
	auto tests = the.tests(std::move(rules));
	// The test starts from the running loop, and a timer ticks every millisecond from then
	// on: the loop turns while the thread tests (a thread that finished before the loop's
	// first turn would prove nothing either way).
	size_t ticksWhileTesting = 0;
	std::vector<SdEventSource> ticks;
	std::function<void()> tick = [&] {
		if (!tests->busy())
			return;
		ticksWhileTesting++;
		auto next = the.loop->after(1000, tick);
		REQUIRE(next);
		ticks.push_back(std::move(*next));
	};
	auto start = the.loop->after(0, [&] {
		tests->test(RuleScope::All);
		CHECK(tests->busy());
		CHECK(tests->tests() == 0); // the count comes back with the book
		tick();
	});
	REQUIRE(start);
	the.run();
	CHECK(ticksWhileTesting > 1);
	REQUIRE(the.answers.size() == 1);
	CHECK(the.answers[0].fired == std::vector<std::string>{"holds"});
	CHECK_FALSE(the.answers[0].newRules);
	CHECK_FALSE(tests->busy());
	CHECK(tests->tests() == 100001);
}

TEST_CASE("given asks while a test runs, they should make one more test, with the newest rules",
	  "[rule-tests]")
{
	Setting the;
	auto tests = the.tests(manyFailing(50000), 2);
	tests->test(RuleScope::All);
	REQUIRE(tests->busy());
	tests->replace({pathRule("older", "/etc/present")});
	tests->test(RuleScope::DevicesOnly);
	tests->replace({pathRule("newest", "/etc/present"), pathRule("no", "/absent")});
	the.run();
	REQUIRE(the.answers.size() == 2);
	CHECK(the.answers[0].fired == kNone);
	CHECK_FALSE(the.answers[0].newRules);
	// The newest files alone, every rule tested (a device ask and a reload make one of all).
	CHECK(the.answers[1].fired == std::vector<std::string>{"newest"});
	CHECK(the.answers[1].newRules);
	CHECK(tests->tests() == 50002);
	CHECK_FALSE(tests->busy());
}

TEST_CASE("given no rule left to test in a scope, asking for it should cost no test",
	  "[rule-tests]")
{
	Setting the;
	Uevent gpu;
	gpu.action = "add";
	gpu.devpath = "/devices/pci0000:00/0000:00:02.0";
	gpu.subsystem = "pci";
	gpu.modalias = "pci:v000010DEd00002204sv00001458sd0000403Bbc03sc00i00";
	the.devices.apply(gpu);
	auto tests = the.tests({ruleFrom("gpu", "[Match]\nConditionPCIDevice=10de\n"
						"[Load]\nModules=m\n"),
				pathRule("machine", "/absent")},
			       2);
	// On the loop (a loop that has ended takes no new source), once the first test is back.
	bool askedNothing = false, askedAll = false;
	the.onAnswer = [&] {
		if (the.answers.size() != 1)
			return;
		// The only device rule has fired: a device that appears asks for nothing.
		tests->test(RuleScope::DevicesOnly);
		askedNothing = !tests->busy();
		// The machine's rule is still there to test for a reload's ask.
		tests->test(RuleScope::All);
		askedAll = tests->busy();
	};
	tests->test(RuleScope::DevicesOnly);
	the.run();
	REQUIRE(the.answers.size() == 2);
	CHECK(the.answers[0].fired == std::vector<std::string>{"gpu"});
	CHECK(askedNothing);
	CHECK(askedAll);
	CHECK(the.answers[1].fired == kNone);
	CHECK(tests->tests() == 2);
}

TEST_CASE("given a test still running, the object should go without waiting for it", "[rule-tests]")
{
	Setting the;
	auto tests = the.tests(manyFailing(100000));
	tests->test(RuleScope::All);
	REQUIRE(tests->busy());
	tests.reset(); // the thread keeps the book until it ends
	CHECK(the.answers.empty());
}
