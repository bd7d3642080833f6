// The rule book lent to a thread for each test, and the tests asked for meanwhile.
#include "service/rule_tests.h"

#include "report/daemon_report.h"

#include <utility>

namespace modloadd {

namespace {

// Two asks in one test: the device rules when both are about devices, else every rule.
RuleScope wider(RuleScope a, RuleScope b)
{
	return a == b ? a : RuleScope::All;
}

} // namespace

RuleTests::RuleTests(EventLoop &loop, Journal &journal, std::unique_ptr<RuleBook> book,
		     Devices devices, Fired fired)
    : loop_(loop), journal_(journal), book_(std::move(book)), devices_(std::move(devices)),
      fired_(std::move(fired))
{
	tests_ = book_->tests();
	untestedDevices_ = book_->untested(RuleScope::DevicesOnly);
	untestedAll_ = book_->untested(RuleScope::All);
}

void RuleTests::test(RuleScope scope)
{
	ask(scope, std::nullopt);
}

void RuleTests::replace(std::vector<Rule> rules)
{
	ask(RuleScope::All, std::move(rules));
}

void RuleTests::ask(RuleScope scope, std::optional<std::vector<Rule>> rules)
{
	if (!waiting_) {
		waiting_.emplace(Ask{scope, std::move(rules)});
	} else {
		waiting_->scope = wider(waiting_->scope, scope);
		if (rules)
			waiting_->rules = std::move(rules); // the newest reload's files
	}
	if (book_)
		startNext();
}

RuleTests::Tested RuleTests::run(Job &job)
{
	Tested tested;
	tested.book = std::move(job.book);
	RuleBook &book = *tested.book;
	if (job.ask.rules) {
		book.replaceRules(std::move(*job.ask.rules));
		tested.newRules = true;
	}
	for (const Rule *rule : book.fire(job.devices, job.ask.scope))
		tested.fired.push_back(*rule);
	tested.untestedDevices = book.untested(RuleScope::DevicesOnly);
	tested.untestedAll = book.untested(RuleScope::All);
	return tested;
}

void RuleTests::startNext()
{
	Ask next = std::move(*waiting_);
	waiting_.reset();
	if (!next.rules && !worth(next.scope))
		return; // every rule it could test has fired
	auto job = std::make_shared<Job>(Job{std::move(book_), std::move(next), devices_()});
	auto work = [job] { return run(*job); };
	auto running =
		OffLoop<Tested>::start(loop_, work, [this](Tested t) { onTested(std::move(t)); });
	if (!running) {
		// No thread: test on the loop rather than not at all.
		reportReloadUnbounded(journal_, running.error(),
				      "the rules are tested on the loop");
		return onTested(work());
	}
	running_ = std::move(*running);
}

void RuleTests::onTested(Tested tested)
{
	book_ = std::move(tested.book);
	tests_ = book_->tests();
	untestedDevices_ = tested.untestedDevices;
	untestedAll_ = tested.untestedAll;
	// What was asked meanwhile goes first, so that the caller sees busy() until it is done.
	if (waiting_)
		startNext();
	fired_(std::move(tested.fired), tested.newRules);
}

} // namespace modloadd
