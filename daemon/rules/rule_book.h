// The rules over one run: which hold, which have fired (each at most once), and the requests
// a firing rule makes.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "base/request.h"
#include "rules/device_conditions.h"
#include "rules/machine_conditions.h"
#include "rules/rule_file.h"

namespace modloadd {

// A rule's verdict and the reason, for the journal and `modloadctl plan`.
struct RuleVerdict {
	bool holds = false;
	// When it does not hold: the first condition that failed, as written
	// ("ConditionVirtualization=microsoft"), or "none of the | conditions held (...)".
	std::string why;
};

// Tests one rule (systemd's semantics: every plain condition must hold; when there are
// triggering ones, at least one of them must hold too; "!" inverts a test).
RuleVerdict evaluateRule(const Rule &rule, MachineFacts &facts, const DeviceSet &devices);

// The modules a rule names, as they exist: names and aliases as written when the index knows
// them, globs expanded over the module names.
struct ModuleCatalog {
	std::function<std::vector<std::string>()> allModules; // every module in modules.dep
	std::function<bool(const std::string &)> knows;	      // a name or alias that resolves
};

// Which rules a moment can change: at start only the machine is known, once coldplug is
// through every rule can be tested, and a device that appears changes only the device rules.
enum class RuleScope { MachineOnly, All, DevicesOnly };

class RuleBook {
public:
	RuleBook(std::vector<Rule> rules, std::string root);

	// The rules in SCOPE that hold now and have not fired yet, now marked fired.
	std::vector<const Rule *> fire(const DeviceSet &devices, RuleScope scope);
	// Whether some rule in SCOPE has not fired yet (a test of SCOPE could fire one).
	bool untested(RuleScope scope) const;

	// The requests of a fired rule. Each names the rule file and the Modules= line. A name the
	// catalog does not know, or a glob matching nothing, is a Diagnostic in `notices` ("not
	// installed"), said once per rule and run.
	static std::vector<Request> requests(const Rule &rule, const ModuleCatalog &catalog,
					     Diagnostics &notices);

	// New rule files (a reload): a rule of the same name that has fired stays fired.
	void replaceRules(std::vector<Rule> rules);

	const std::vector<Rule> &rules() const { return rules_; }
	bool fired(const Rule &rule) const { return fired_.count(rule.name) != 0; }
	// How many times fire() has tested a rule: a condition may read the disk at length.
	size_t tests() const { return tests_; }
	MachineFacts &facts() { return facts_; }

private:
	bool inScope(const Rule &rule, RuleScope scope) const;

	std::vector<Rule> rules_;
	std::set<std::string> fired_; // by rule name
	size_t tests_ = 0;
	MachineFacts facts_;
};

} // namespace modloadd
