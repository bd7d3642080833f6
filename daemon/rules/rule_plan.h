// Every rule's verdict at one moment, none of them fired: what `modloadctl plan` shows of the
// rules, and the modules of those that hold.
#pragma once

#include <vector>

#include "base/request.h"
#include "rules/rule_book.h"

namespace modloadd {

// One rule, tested.
struct RuleOutcome {
	Rule rule;
	RuleVerdict verdict;
	// When it holds: its modules as they exist (RuleBook::requests()), and the notices about
	// the names not installed and the globs that match nothing.
	std::vector<Request> requests;
	Diagnostics notices;
};

// Tests every rule of BOOK, in order, with its facts and DEVICES, as the daemon does once
// coldplug is through (RuleScope::All with nothing fired yet), and expands the modules of the
// rules that hold over CATALOG. Fires nothing: BOOK is left as it was.
std::vector<RuleOutcome> evaluateRules(RuleBook &book, const DeviceSet &devices,
				       const ModuleCatalog &catalog);

} // namespace modloadd
