// Testing all rules at once, for a plan.
#include "rules/rule_plan.h"

#include "resolve/module_index.h"

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

ModuleCatalog moduleCatalog(ModuleIndex &index)
{
	return {[&index] { return index.allModules(); },
		[&index](const std::string &name) {
			int err = 0;
			return !index.lookup(name, err).empty();
		}};
}

} // namespace modloadd
