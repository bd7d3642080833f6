// One machine condition tested as the rule engine tests it, for the tests of the conditions.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "rules/condition.h"
#include "rules/machine_conditions.h"
#include "temp_tree.h"

namespace modloadd::testing {

// Whether "Condition<TYPE>=VALUE" holds (the value must parse): the raw test, inverted by a
// leading "!" as the rule engine does. "!=6.1" is such a "!", as in systemd.
inline bool test(ConditionType type, std::string_view value, MachineFacts &facts)
{
	std::string expected;
	auto c = parseCondition(type, value, expected);
	INFO(conditionName(type) << "=" << value << " expected " << expected);
	REQUIRE(c);
	return testMachineCondition(*c, facts) != c->negate;
}

inline bool test(ConditionType type, std::string_view value, const TempTree &t)
{
	MachineFacts facts(t.root());
	return test(type, value, facts);
}

} // namespace modloadd::testing
