// The rules tested off the event loop, once the daemon runs: a device that appears, the end of
// coldplug and a reload ask for a test. A condition may read the disk (a glob, a file on a slow
// file system) and there may be many thousands of rules, so the rule book (its rules, which of
// them fired, the machine's facts) goes to a thread for each test and comes back with the rules
// that fired; the loop meanwhile serves the watchdog, the signals and the insertions.
#pragma once

#include "base/journal.h"
#include "rules/rule_book.h"
#include "service/event_loop.h"
#include "service/off_loop.h"

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace modloadd {

// Main thread only.
class RuleTests {
public:
	// What a test sees of the devices: the set as it is when the test begins (a copy).
	using Devices = std::function<DeviceSet()>;
	// On the loop, after each test that fired rules: copies of them, and whether new rules (a
	// reload's) were taken in for it.
	using Fired = std::function<void(std::vector<Rule> fired, bool newRules)>;

	RuleTests(EventLoop &loop, Journal &journal, std::unique_ptr<RuleBook> book,
		  Devices devices, Fired fired);
	RuleTests(const RuleTests &) = delete;
	RuleTests &operator=(const RuleTests &) = delete;

	// Tests the rules in SCOPE that have not fired. One test runs at a time: what is asked
	// meanwhile joins the next, which sees the devices as they are then. A scope in which
	// every rule has fired costs nothing.
	void test(RuleScope scope);
	// A reload's rules, in place of the book's before the next test (a rule of the same name
	// that has fired stays fired), which tests them all.
	void replace(std::vector<Rule> rules);

	// A test is running or waiting: what it fires is not in the run yet.
	bool busy() const { return !book_ || waiting_.has_value(); }
	// How many times a rule was tested, as of the last test that came back.
	size_t tests() const { return tests_; }

	// The book is left to a test still running (the thread ends alone, see OffLoop).
	~RuleTests() = default;

private:
	// What the next test does.
	struct Ask {
		RuleScope scope = RuleScope::DevicesOnly;
		std::optional<std::vector<Rule>> rules;
	};
	// A test as its thread takes it: the book, what to do, the devices to see.
	struct Job {
		std::unique_ptr<RuleBook> book;
		Ask ask;
		DeviceSet devices;
	};
	// The book on its way back, with what fired.
	struct Tested {
		std::unique_ptr<RuleBook> book;
		std::vector<Rule> fired;
		bool newRules = false;
		bool untestedDevices = false, untestedAll = false;
	};
	// The test itself, on whichever thread holds JOB.
	static Tested run(Job &job);

	void ask(RuleScope scope, std::optional<std::vector<Rule>> rules);
	void startNext();
	void onTested(Tested tested);
	// Whether the book, at home, has a rule in SCOPE left to test.
	bool worth(RuleScope scope) const
	{
		return scope == RuleScope::DevicesOnly ? untestedDevices_ : untestedAll_;
	}

	EventLoop &loop_;
	Journal &journal_;
	std::unique_ptr<RuleBook> book_; // null while a test has it
	Devices devices_;
	Fired fired_;
	std::optional<Ask> waiting_;
	std::unique_ptr<OffLoop<Tested>> running_;
	size_t tests_ = 0;
	bool untestedDevices_ = false, untestedAll_ = false;
};

} // namespace modloadd
