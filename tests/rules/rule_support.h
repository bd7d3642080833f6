// Rules for tests, from their text.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "rules/rule_file.h"

namespace modloadd::testing {

// The rule NAME as if read from /etc/modloadd/rules.d/NAME.rules; the test fails when the text
// has an error.
inline Rule ruleFrom(const std::string &name, const std::string &text)
{
	Rule rule;
	Diagnostics diags;
	if (!parseRule(text, "/etc/modloadd/rules.d/" + name + ".rules", rule, diags))
		FAIL(diags.at(0).message);
	rule.name = name;
	return rule;
}

} // namespace modloadd::testing
