// Evaluating rules and turning the ones that fire into requests.
#include "rules/rule_book.h"

#include <fmt/format.h>
#include <fnmatch.h>

namespace modloadd {

namespace {

std::string asWritten(const Condition &c)
{
	return fmt::format("{}={}{}{}", conditionName(c.type), c.trigger ? "|" : "",
			   c.negate ? "!" : "", c.value);
}

bool test(const Condition &c, MachineFacts &facts, const DeviceSet &devices)
{
	bool raw = isDeviceCondition(c.type) ? testDeviceCondition(c, devices)
					     : testMachineCondition(c, facts);
	return raw != c.negate;
}

// The | conditions a reason names; the rest are counted, so that a rule with thousands of them
// still gives a reason of one short line.
constexpr size_t kTriggersNamed = 3;

} // namespace

RuleVerdict evaluateRule(const Rule &rule, MachineFacts &facts, const DeviceSet &devices)
{
	bool anyTrigger = false, triggered = false;
	std::string triggers;
	size_t tested = 0;
	for (const Condition &c : rule.conditions) {
		if (c.trigger) {
			anyTrigger = true;
			if (!triggered) {
				triggered = test(c, facts, devices);
				if (tested++ < kTriggersNamed)
					triggers += (triggers.empty() ? "" : ", ") + asWritten(c);
			}
			continue;
		}
		if (!test(c, facts, devices))
			return {false, asWritten(c)};
	}
	if (anyTrigger && !triggered) {
		if (tested > kTriggersNamed)
			triggers += fmt::format(" and {} more", tested - kTriggersNamed);
		return {false, fmt::format("none of the | conditions held ({})", triggers)};
	}
	return {true, {}};
}

RuleBook::RuleBook(std::vector<Rule> rules, std::string root)
    : rules_(std::move(rules)), facts_(std::move(root))
{
}

bool RuleBook::inScope(const Rule &rule, RuleScope scope) const
{
	bool aboutDevices = rule.hasDeviceConditions();
	return !fired_.count(rule.name) && !(scope == RuleScope::MachineOnly && aboutDevices) &&
	       !(scope == RuleScope::DevicesOnly && !aboutDevices);
}

bool RuleBook::untested(RuleScope scope) const
{
	for (const Rule &rule : rules_)
		if (inScope(rule, scope))
			return true;
	return false;
}

std::vector<const Rule *> RuleBook::fire(const DeviceSet &devices, RuleScope scope)
{
	std::vector<const Rule *> out;
	for (const Rule &rule : rules_) {
		if (!inScope(rule, scope))
			continue;
		tests_++;
		if (!evaluateRule(rule, facts_, devices).holds)
			continue;
		fired_.insert(rule.name);
		out.push_back(&rule);
	}
	return out;
}

std::vector<Request> RuleBook::requests(const Rule &rule, const ModuleCatalog &catalog,
					Diagnostics &notices)
{
	std::vector<Request> out;
	std::vector<std::string> all; // read once, for the first glob
	bool listed = false;
	for (const RuleModule &m : rule.modules) {
		std::string origin = rule.originOf(m);
		if (m.isGlob()) {
			if (!listed) {
				all = catalog.allModules();
				listed = true;
			}
			size_t before = out.size();
			for (const std::string &name : all)
				if (fnmatch(m.pattern.c_str(), name.c_str(), 0) == 0)
					out.push_back({name, origin});
			if (out.size() == before)
				notices.push_back(
					{rule.file, m.line,
					 fmt::format("Rule '{}': no installed module matches '{}', "
						     "nothing to load for it",
						     rule.name, m.pattern)});
			continue;
		}
		if (!catalog.knows(m.pattern)) {
			notices.push_back({rule.file, m.line,
					   fmt::format("Rule '{}': module '{}' is not installed, "
						       "skipped",
						       rule.name, m.pattern)});
			continue;
		}
		out.push_back({m.pattern, origin});
	}
	return out;
}

void RuleBook::replaceRules(std::vector<Rule> rules)
{
	rules_ = std::move(rules);
}

} // namespace modloadd
