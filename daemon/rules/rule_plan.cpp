// Testing all rules at once, for a plan.
#include "rules/rule_plan.h"

namespace modloadd {

std::vector<RuleOutcome> evaluateRules(RuleBook &book, const DeviceSet &devices,
				       const ModuleCatalog &catalog)
{
	std::vector<RuleOutcome> out;
	out.reserve(book.rules().size());
	for (const Rule &rule : book.rules()) {
		RuleOutcome o{rule, evaluateRule(rule, book.facts(), devices), {}, {}};
		if (o.verdict.holds)
			o.requests = book.requests(rule, catalog, o.notices);
		out.push_back(std::move(o));
	}
	return out;
}

} // namespace modloadd
