// modloadd.rules(5): one rule per file under modloadd/rules.d — when it fires ([Match]) and
// what it loads ([Load]).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/request.h"
#include "rules/condition.h"

namespace modloadd {

// One word of a Modules= line: a module name, an alias or a glob over module names.
struct RuleModule {
	std::string pattern;
	unsigned line = 0;

	bool isGlob() const;
};

struct Rule {
	std::string name; // the file name without ".rules"
	std::string file; // as the user knows it (without the --root prefix)
	std::string description;
	std::vector<Condition> conditions; // all must hold; of the triggers, one
	std::vector<RuleModule> modules;

	// Whether a device that appears may change the verdict.
	bool hasDeviceConditions() const;
	// "FILE:LINE" of a module's Modules= line, the origin of its request.
	std::string originOf(const RuleModule &m) const;
};

// Parses one rule file. Any error (unknown section or key, unknown condition, bad value, no
// Modules=) is a Diagnostic with the file and line ending in ", ignoring", and makes the whole
// rule invalid: `diags` grows and false is returned. An empty Condition*= resets every
// condition before it, an empty Modules= every module before it (systemd's list semantics).
bool parseRule(std::string_view text, std::string_view displayPath, Rule &rule, Diagnostics &diags);

// The valid rules of ROOT's /etc, /run, /usr/local/lib, /usr/lib modloadd/rules.d/*.rules with
// modules-load.d's precedence, masking and order. Broken rules are reported in `diags` (with a
// last line "Rule skipped") and left out.
std::vector<Rule> readRules(std::string_view root, Diagnostics &diags);

// The rule files readRules() would read, for watching and for `modloadctl verify`.
inline constexpr std::string_view kRulesSubdir = "modloadd/rules.d";
inline constexpr std::string_view kRulesSuffix = ".rules";

} // namespace modloadd
