// Tests for parseRule() and readRules(): the file format, list semantics and bad rules.
#include <catch2/catch.hpp>

#include "rules/rule_file.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;

namespace {

std::string messages(const Diagnostics &diags)
{
	std::string out;
	for (const Diagnostic &d : diags)
		out += d.file + ":" + std::to_string(d.line) + ": " + d.message + "\n";
	return out;
}

} // namespace

TEST_CASE("given the documented example, we should read its description, conditions and modules")
{
	Rule rule;
	Diagnostics diags;
	bool ok = parseRule(
		"# NVIDIA\n"
		"[Rule]\n"
		"Description=NVIDIA driver on machines with an NVIDIA display controller\n"
		"[Match]\n"
		"ConditionPCIDevice=10de:*:03*\n"
		"ConditionVirtualization=|!microsoft\n"
		"[Load]\n"
		"Modules=nvidia nvidia_modeset\n"
		"Modules=\tnvidia_uvm  nvidia_drm\n",
		"/etc/modloadd/rules.d/nvidia.rules", rule, diags);
	INFO(messages(diags));
	REQUIRE(ok);
	CHECK(diags.empty());
	CHECK(rule.description == "NVIDIA driver on machines with an NVIDIA display controller");
	REQUIRE(rule.conditions.size() == 2);
	CHECK(rule.conditions[0].type == ConditionType::PCIDevice);
	CHECK(rule.conditions[0].value == "10de:*:03*");
	CHECK(rule.conditions[0].line == 5);
	CHECK_FALSE(rule.conditions[0].trigger);
	CHECK(rule.conditions[1].type == ConditionType::Virtualization);
	CHECK(rule.conditions[1].trigger);
	CHECK(rule.conditions[1].negate);
	CHECK(rule.conditions[1].value == "microsoft");
	REQUIRE(rule.modules.size() == 4);
	CHECK(rule.modules[0].pattern == "nvidia");
	CHECK(rule.modules[3].pattern == "nvidia_drm");
	CHECK(rule.modules[3].line == 9);
	CHECK(rule.hasDeviceConditions());
	CHECK(rule.originOf(rule.modules[3]) == "/etc/modloadd/rules.d/nvidia.rules:9");
}

TEST_CASE("given empty assignments, we should reset the lists as systemd does")
{
	Rule rule;
	Diagnostics diags;
	REQUIRE(parseRule("[Match]\nConditionPathExists=/a\nConditionPCIDevice=8086\n"
			  "ConditionHost=\nConditionPathExists=/b\n"
			  "[Load]\nModules=a b\nModules=\nModules=c\n",
			  "r.rules", rule, diags));
	REQUIRE(rule.conditions.size() == 1);
	CHECK(rule.conditions[0].value == "/b");
	CHECK_FALSE(rule.hasDeviceConditions());
	REQUIRE(rule.modules.size() == 1);
	CHECK(rule.modules[0].pattern == "c");
}

TEST_CASE("given a broken rule, we should name the file and line and refuse the rule")
{
	struct Case {
		const char *text;
		unsigned line;
		const char *says;
	};
	const Case cases[] = {
		{"[Match]\nConditionFoo=1\n[Load]\nModules=a\n", 2,
		 "Unknown condition 'ConditionFoo'"},
		{"[Matches]\n[Load]\nModules=a\n", 1, "Unknown section 'Matches'"},
		{"[Match]\nConditionPathExists=relative\n[Load]\nModules=a\n", 2,
		 "Invalid ConditionPathExists= value 'relative'"},
		{"[Load]\nModules=a\nModule=b\n", 3, "Unknown key 'Module' in section [Load]"},
		{"[Load]\nModules=a ../b\n", 2, "Invalid module name or glob '../b'"},
		{"Modules=a\n", 1, "Assignment outside of any section"},
		{"[Rule]\nDescription=x\n", 0, "No Modules="},
		{"[Load]\nModules=a\n[Match\n", 3, "Invalid section header"},
		{"[Load]\nModules=a\n[Match]\nConditionPCIDevice=nvidia\n", 4,
		 "Invalid ConditionPCIDevice= value 'nvidia'"},
		// 22 brace groups: 4 million patterns to walk; refused, not tried.
		{"[Match]\nConditionPathExistsGlob=/dev/"
		 "{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"
		 "{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}\n[Load]\n"
		 "Modules=a\n",
		 2, "expand to at most 64 patterns"},
	};
	for (const Case &c : cases) {
		Rule rule;
		Diagnostics diags;
		INFO(c.text);
		CHECK_FALSE(parseRule(c.text, "/etc/modloadd/rules.d/x.rules", rule, diags));
		REQUIRE(!diags.empty());
		INFO(messages(diags));
		CHECK(diags[0].file == "/etc/modloadd/rules.d/x.rules");
		CHECK(diags[0].line == c.line);
		CHECK(diags[0].message.find(c.says) != std::string::npos);
		CHECK(diags[0].message.find(", ignoring") != std::string::npos);
	}
}

TEST_CASE("given a NUL byte in a condition, a module or a header, we should refuse the rule, "
	  "not test a value cut short")
{
	using namespace std::string_literals;
	struct Case {
		std::string text;
		unsigned line;
	};
	const Case cases[] = {
		{"[Match]\nConditionPathExists=/etc\0/nothing\n[Load]\nModules=a\n"s, 2},
		{"[Load]\nModules=a\0b\n"s, 2},
		{"[Ma\0tch]\nConditionPathExists=/etc\n[Load]\nModules=a\n"s, 1},
		{"[Rule]\nDescription=x\0y\n[Load]\nModules=a\n"s, 2},
	};
	for (const Case &c : cases) {
		Rule rule;
		Diagnostics diags;
		CHECK_FALSE(parseRule(c.text, "/etc/modloadd/rules.d/x.rules", rule, diags));
		REQUIRE(!diags.empty());
		INFO(messages(diags));
		CHECK(diags[0].line == c.line);
		CHECK(diags[0].message.find("contains a NUL byte") != std::string::npos);
		CHECK(diags[0].message.find("\\x00") != std::string::npos);
	}
}

TEST_CASE("given rules.d in several directories, we should keep the good rules in file order")
{
	TempTree t;
	const char *good = "[Load]\nModules=%s\n";
	auto rule = [&](const char *module) {
		char buf[64];
		snprintf(buf, sizeof buf, good, module);
		return std::string(buf);
	};
	t.write("/usr/lib/modloadd/rules.d/50-b.rules", rule("from_usr"));
	t.write("/etc/modloadd/rules.d/50-b.rules", rule("from_etc"));
	t.write("/usr/lib/modloadd/rules.d/10-a.rules", rule("a"));
	t.write("/run/modloadd/rules.d/20-broken.rules", "[Load]\nModules=\n[Bad]\n");
	t.write("/usr/lib/modloadd/rules.d/30-masked.rules", rule("masked"));
	t.symlink("/dev/null", "/etc/modloadd/rules.d/30-masked.rules");
	t.write("/etc/modloadd/rules.d/40-not-a-rule.conf", rule("ignored"));
	Diagnostics diags;
	std::vector<Rule> rules = readRules(t.root(), diags);
	INFO(messages(diags));
	REQUIRE(rules.size() == 2);
	CHECK(rules[0].name == "10-a");
	CHECK(rules[0].file == "/usr/lib/modloadd/rules.d/10-a.rules");
	CHECK(rules[1].name == "50-b");
	CHECK(rules[1].modules.at(0).pattern == "from_etc");
	REQUIRE(diags.size() == 2);
	CHECK(diags[0].file == "/run/modloadd/rules.d/20-broken.rules");
	CHECK(diags[0].line == 3);
	CHECK(diags[1].message == "Rule '20-broken' skipped: it has errors");
}

TEST_CASE("given a 64 KiB line, we should take it or refuse it with its line, never cut it short")
{
	Rule rule;
	Diagnostics diags;
	// A description of 64 KiB is text: kept whole.
	std::string description(64 * 1024, 'd');
	REQUIRE(parseRule("[Rule]\nDescription=" + description + "\n[Load]\nModules=a\n",
			  "/etc/modloadd/rules.d/long.rules", rule, diags));
	CHECK(rule.description == description);

	// A module name of 64 KiB is no name libkmod can take: the rule is refused at that line.
	Rule named;
	Diagnostics nameDiags;
	CHECK_FALSE(parseRule("[Load]\nModules=" + std::string(64 * 1024, 'm') + "\n",
			      "/etc/modloadd/rules.d/long.rules", named, nameDiags));
	INFO(messages(nameDiags));
	REQUIRE(nameDiags.size() == 1);
	CHECK(nameDiags[0].line == 2);

	// A path of 64 KiB in a condition is no path (past PATH_MAX): refused at its line.
	Rule path;
	Diagnostics pathDiags;
	CHECK_FALSE(parseRule("[Match]\nConditionPathExists=/" + std::string(64 * 1024, 'p') +
				      "\n[Load]\nModules=a\n",
			      "/etc/modloadd/rules.d/long.rules", path, pathDiags));
	REQUIRE(pathDiags.size() == 1);
	CHECK(pathDiags[0].line == 2);
	CHECK(pathDiags[0].message.size() < 1024); // the value is cut in the message, not whole
}
