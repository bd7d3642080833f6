// Reading modloadd.rules(5) files.
#include "rules/rule_file.h"

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>

#include "base/module_name.h"
#include "base/strings.h"
#include "config/conf_files.h"
#include "config/ini_text.h"

namespace modloadd {

namespace {

bool validModuleWord(std::string_view w)
{
	// Names, aliases ("fs-xfs", "pci:v*...") and globs, as modules-load.d takes them.
	return !checkModuleName(w).has_value();
}

} // namespace

bool RuleModule::isGlob() const
{
	return pattern.find_first_of("*?[") != std::string::npos;
}

bool Rule::hasDeviceConditions() const
{
	return std::any_of(conditions.begin(), conditions.end(),
			   [](const Condition &c) { return isDeviceCondition(c.type); });
}

std::string Rule::originOf(const RuleModule &m) const
{
	return fmt::format("{}:{}", file, m.line);
}

bool parseRule(std::string_view text, std::string_view displayPath, Rule &rule, Diagnostics &diags)
{
	size_t before = diags.size();
	auto warn = [&](unsigned lineNo, std::string message) {
		diags.push_back({std::string(displayPath), lineNo, std::move(message)});
	};
	rule.file = std::string(displayPath);

	IniHandler handler;
	handler.onSection = [&](unsigned lineNo, std::string_view section) {
		if (section == "Rule" || section == "Match" || section == "Load")
			return true;
		warn(lineNo, fmt::format("Unknown section '{}' (expected [Rule], [Match] or "
					 "[Load]), ignoring",
					 quoteForDiagnostic(section)));
		return false;
	};
	handler.onAssignment = [&](unsigned lineNo, std::string_view section, std::string_view key,
				   std::string_view value) {
		if (section == "Rule" && key == "Description") {
			rule.description = std::string(value);
		} else if (section == "Match") {
			auto type = conditionTypeByName(key);
			if (!type) {
				warn(lineNo, fmt::format("Unknown condition '{}', ignoring",
							 quoteForDiagnostic(key)));
				return;
			}
			if (value.empty()) {
				rule.conditions.clear(); // systemd: an empty one resets them all
				return;
			}
			std::string expected;
			std::optional<Condition> c = parseCondition(*type, value, expected);
			if (!c) {
				warn(lineNo,
				     fmt::format("Invalid {}= value '{}' (expected {}), ignoring",
						 key, quoteForDiagnostic(value), expected));
				return;
			}
			c->line = lineNo;
			rule.conditions.push_back(std::move(*c));
		} else if (section == "Load" && key == "Modules") {
			if (value.empty()) {
				rule.modules.clear();
				return;
			}
			std::string words(value);
			std::replace(words.begin(), words.end(), '\t', ' ');
			for (const std::string &w : split(words, ' ')) {
				std::string_view word = w;
				if (!validModuleWord(word)) {
					warn(lineNo, fmt::format("Invalid module name or glob '{}' "
								 "in Modules=, "
								 "ignoring",
								 quoteForDiagnostic(word)));
					return;
				}
				rule.modules.push_back({std::string(word), lineNo});
			}
		} else {
			warn(lineNo, fmt::format("Unknown key '{}' in section [{}], ignoring",
						 quoteForDiagnostic(key), section));
		}
	};
	readIniText(text, displayPath, handler, diags);
	if (diags.size() == before && rule.modules.empty())
		warn(0, "No Modules= in [Load]: the rule would load nothing, ignoring");
	return diags.size() == before;
}

std::vector<Rule> readRules(std::string_view root, Diagnostics &diags)
{
	std::vector<Rule> rules;
	for (const ConfFile &file : listConfFiles(root, kRulesSubdir, kRulesSuffix, diags)) {
		std::string text;
		int r = readConfFileText(file.path, text);
		if (r < 0) {
			diags.push_back(readFailure(file.displayPath, r));
			continue;
		}
		Rule rule;
		std::string base = file.displayPath.substr(file.displayPath.rfind('/') + 1);
		rule.name = base.substr(0, base.size() - kRulesSuffix.size());
		if (parseRule(text, file.displayPath, rule, diags))
			rules.push_back(std::move(rule));
		else
			diags.push_back(
				{file.displayPath, 0,
				 fmt::format("Rule '{}' skipped: it has errors", rule.name)});
	}
	return rules;
}

} // namespace modloadd
