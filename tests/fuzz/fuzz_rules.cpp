// modloadd.rules(5) text. Oracles: a rule is valid exactly when it gave no diagnostic, and the
// diagnostics name the file and a line of it; every module word of a valid rule that is not a
// glob is one libkmod takes whole; a valid rule printed back (its description, each condition
// as its key, prefixes and value as kept, its module words) parses to the same rule with no
// diagnostic.
#include <fmt/format.h>

#include "base/module_name.h"
#include "fuzz_support.h"
#include "rules/rule_file.h"

using namespace modloadd;
using namespace modloadd::fuzz;

namespace {

constexpr std::string_view kFile = "/etc/modloadd/rules.d/fuzz.rules";

std::string print(const Rule &rule)
{
	std::string text = fmt::format("[Rule]\nDescription={}\n[Match]\n", rule.description);
	for (const Condition &c : rule.conditions)
		text += fmt::format("{}={}{}{}\n", conditionName(c.type), c.trigger ? "|" : "",
				    c.negate ? "!" : "", c.value);
	text += "[Load]\n";
	for (const RuleModule &m : rule.modules)
		text += fmt::format("Modules={}\n", m.pattern);
	return text;
}

bool sameCondition(const Condition &a, const Condition &b)
{
	return a.type == b.type && a.trigger == b.trigger && a.negate == b.negate &&
	       a.value == b.value;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text = asText(data, size);
	Rule rule;
	Diagnostics diags;
	bool valid = parseRule(text, kFile, rule, diags);
	expect(valid == diags.empty(), "a rule's verdict disagrees with its diagnostics");
	expectDiagnosticsPlaced(diags, kFile, lineCount(text));
	if (!valid)
		return 0;

	expect(!rule.modules.empty(), "a valid rule loads nothing");
	for (const RuleModule &m : rule.modules) {
		expect(!checkModuleName(m.pattern), "a module word the name check refuses",
		       m.pattern);
		if (!m.isGlob())
			expectKmodTakes(m.pattern, "Modules=");
	}
	for (const Condition &c : rule.conditions)
		expect(!c.value.empty() && c.value.find('\0') == std::string::npos,
		       "a condition kept an empty value or a NUL", c.value);

	std::string printed = print(rule);
	Rule reparsed;
	Diagnostics again;
	expect(parseRule(printed, kFile, reparsed, again), "the rule, printed, is not valid",
	       again.empty() ? printed : again[0].message);
	expect(reparsed.description == rule.description, "the description changed", printed);
	expect(reparsed.conditions.size() == rule.conditions.size(), "conditions came or went",
	       printed);
	for (size_t i = 0; i < rule.conditions.size(); i++)
		expect(sameCondition(reparsed.conditions[i], rule.conditions[i]),
		       "a condition changed when printed and parsed", rule.conditions[i].value);
	expect(reparsed.modules.size() == rule.modules.size(), "module words came or went",
	       printed);
	for (size_t i = 0; i < rule.modules.size(); i++)
		expect(reparsed.modules[i].pattern == rule.modules[i].pattern,
		       "a module word changed when printed and parsed", rule.modules[i].pattern);
	return 0;
}
