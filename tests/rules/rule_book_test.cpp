// Tests for rule evaluation (systemd's | and ! semantics), firing once, and module expansion.
#include <catch2/catch.hpp>

#include "rule_support.h"
#include "rules/rule_book.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::ruleFrom;
using modloadd::testing::TempTree;

namespace {

Uevent pciDevice(std::string devpath, std::string modalias)
{
	Uevent e;
	e.action = "add";
	e.devpath = std::move(devpath);
	e.subsystem = "pci";
	e.modalias = std::move(modalias);
	return e;
}

const char *kNvidia = "pci:v000010DEd00002204sv00001458sd0000403Bbc03sc00i00";

} // namespace

TEST_CASE("given plain, negated and triggering conditions, we should follow systemd's rules")
{
	TempTree t;
	t.write("/etc/present", "x");
	DeviceSet none;
	MachineFacts facts(t.root());
	struct Case {
		const char *match;
		bool holds;
		const char *why;
	};
	const Case cases[] = {
		{"", true, ""},
		{"ConditionPathExists=/etc/present\n", true, ""},
		{"ConditionPathExists=/etc/absent\n", false, "ConditionPathExists=/etc/absent"},
		{"ConditionPathExists=!/etc/absent\n", true, ""},
		{"ConditionPathExists=!/etc/present\n", false, "ConditionPathExists=!/etc/present"},
		{"ConditionPathExists=|/etc/absent\nConditionPathExists=|/etc/present\n", true, ""},
		{"ConditionPathExists=|/etc/absent\nConditionPathExists=|/etc/other\n", false,
		 "none of the | conditions held (ConditionPathExists=|/etc/absent, "
		 "ConditionPathExists=|/etc/other)"},
		{"ConditionPathExists=|!/etc/absent\n", true, ""},
		// A plain condition that fails wins over a trigger that holds.
		{"ConditionPathExists=|/etc/present\nConditionPathExists=/etc/absent\n", false,
		 "ConditionPathExists=/etc/absent"},
		{"ConditionPathExists=/etc/absent\nConditionPathExists=\n", true, ""},
		{"ConditionPCIDevice=10de\n", false, "ConditionPCIDevice=10de"},
		{"ConditionPCIDevice=!10de\n", true, ""},
	};
	for (const Case &c : cases) {
		INFO(c.match);
		Rule rule =
			ruleFrom("r", std::string("[Match]\n") + c.match + "[Load]\nModules=m\n");
		RuleVerdict v = evaluateRule(rule, facts, none);
		CHECK(v.holds == c.holds);
		CHECK(v.why == c.why);
	}
}

TEST_CASE("given a device rule, we should fire it once, when its device appears")
{
	TempTree t;
	std::vector<Rule> rules;
	rules.push_back(ruleFrom("always", "[Load]\nModules=a\n"));
	rules.push_back(ruleFrom("nvidia", "[Match]\nConditionPCIDevice=10de:*:03*\n"
					   "[Load]\nModules=nvidia\n"));
	rules.push_back(
		ruleFrom("never", "[Match]\nConditionPathExists=/nope\n[Load]\nModules=b\n"));
	RuleBook book(std::move(rules), t.root());
	DeviceSet devices;

	auto names = [](const std::vector<const Rule *> &fired) {
		std::vector<std::string> out;
		for (const Rule *r : fired)
			out.push_back(r->name);
		return out;
	};
	// At start only the machine is known: a device rule waits even if it holds (it could be
	// "no such device", which an empty set would wrongly satisfy).
	CHECK(names(book.fire(devices, RuleScope::MachineOnly)) ==
	      std::vector<std::string>{"always"});
	CHECK(names(book.fire(devices, RuleScope::All)).empty());
	// A device appears that is not the GPU, then the GPU (a late one, or hotplugged).
	devices.apply(pciDevice("/devices/pci0000:00/0000:00:03.0",
				"pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00"));
	CHECK(names(book.fire(devices, RuleScope::DevicesOnly)).empty());
	devices.apply(pciDevice("/devices/pci0000:00/0000:01:00.0", kNvidia));
	CHECK(names(book.fire(devices, RuleScope::DevicesOnly)) ==
	      std::vector<std::string>{"nvidia"});
	// Gone and back: a rule fires at most once per run.
	Uevent gone = pciDevice("/devices/pci0000:00/0000:01:00.0", "");
	gone.action = "remove";
	devices.apply(gone);
	devices.apply(pciDevice("/devices/pci0000:00/0000:01:00.0", kNvidia));
	CHECK(names(book.fire(devices, RuleScope::DevicesOnly)).empty());
	CHECK(book.fired(book.rules()[1]));
	CHECK_FALSE(book.fired(book.rules()[2]));

	// A reload keeps what fired, by name.
	std::vector<Rule> again;
	again.push_back(ruleFrom("nvidia", "[Load]\nModules=nvidia\n"));
	again.push_back(ruleFrom("new", "[Load]\nModules=c\n"));
	book.replaceRules(std::move(again));
	CHECK(names(book.fire(devices, RuleScope::All)) == std::vector<std::string>{"new"});
}

TEST_CASE("given names, aliases and globs, we should request what is installed, notice the rest")
{
	TempTree t;
	RuleBook book({}, t.root());
	Rule rule = ruleFrom("lvs", "[Load]\nModules=ip_vs*\nModules=fs-xfs missing_one\n"
				    "Modules=nomatch_*\n");
	ModuleCatalog catalog;
	int listings = 0;
	catalog.allModules = [&] {
		listings++;
		return std::vector<std::string>{"ip_vs", "ip_vs_rr", "ip_vs_wlc", "xfs", "nfs"};
	};
	catalog.knows = [](const std::string &n) { return n == "fs-xfs"; };
	Diagnostics notices;
	std::vector<Request> reqs = book.requests(rule, catalog, notices);
	std::vector<std::string> got;
	for (const Request &r : reqs)
		got.push_back(r.name + " " + r.origin);
	CHECK(got == std::vector<std::string>{
			     "ip_vs /etc/modloadd/rules.d/lvs.rules:2",
			     "ip_vs_rr /etc/modloadd/rules.d/lvs.rules:2",
			     "ip_vs_wlc /etc/modloadd/rules.d/lvs.rules:2",
			     "fs-xfs /etc/modloadd/rules.d/lvs.rules:3",
		     });
	CHECK(listings == 1);
	REQUIRE(notices.size() == 2);
	CHECK(notices[0].line == 3);
	CHECK(notices[0].message == "Rule 'lvs': module 'missing_one' is not installed, skipped");
	CHECK(notices[1].line == 4);
	CHECK(notices[1].message ==
	      "Rule 'lvs': no installed module matches 'nomatch_*', nothing to load for it");
}

TEST_CASE("given a rule with 10,000 conditions, we should test every one and name the one that "
	  "fails")
{
	TempTree t;
	t.write("/etc/present", "x");
	DeviceSet none;
	MachineFacts facts(t.root());
	std::string match;
	for (int i = 0; i < 10000; i++)
		match += "ConditionPathExists=/etc/present\n";
	Rule all = ruleFrom("many", "[Match]\n" + match + "[Load]\nModules=a\n");
	REQUIRE(all.conditions.size() == 10000);
	CHECK(evaluateRule(all, facts, none).holds);

	// The last one fails: every one before it was tested.
	Rule last =
		ruleFrom("last", "[Match]\n" + match +
					 "ConditionPathExists=/etc/absent\n[Load]\nModules=a\n");
	RuleVerdict v = evaluateRule(last, facts, none);
	CHECK_FALSE(v.holds);
	CHECK(v.why == "ConditionPathExists=/etc/absent");

	// 10,000 triggers, none of which holds: the reason stays one line of bounded size.
	std::string triggers;
	for (int i = 0; i < 10000; i++)
		triggers += "ConditionPathExists=|/etc/absent" + std::to_string(i) + "\n";
	Rule none10k = ruleFrom("triggers", "[Match]\n" + triggers + "[Load]\nModules=a\n");
	RuleVerdict n = evaluateRule(none10k, facts, none);
	CHECK_FALSE(n.holds);
	CHECK(n.why == "none of the | conditions held (ConditionPathExists=|/etc/absent0, "
		       "ConditionPathExists=|/etc/absent1, ConditionPathExists=|/etc/absent2 and "
		       "9997 more)");
}
