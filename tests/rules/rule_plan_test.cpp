// Tests for evaluateRules(): every rule's verdict at once, the modules of those that hold.
#include <catch2/catch.hpp>

#include "rule_support.h"
#include "rules/rule_plan.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::ruleFrom;
using modloadd::testing::TempTree;

namespace {

std::vector<std::string> names(const std::vector<Request> &requests)
{
	std::vector<std::string> out;
	for (const Request &r : requests)
		out.push_back(r.name + " " + r.origin);
	return out;
}

ModuleCatalog fakeCatalog()
{
	return {[] {
			return std::vector<std::string>{"ip_vs", "ip_vs_rr", "nvidia", "xfs"};
		},
		[](const std::string &n) { return n == "nvidia" || n == "xfs" || n == "ip_vs"; }};
}

} // namespace

TEST_CASE("given rules that hold and rules that do not, we should give each its verdict in order "
	  "and expand only those that hold")
{
	TempTree t;
	t.write("/etc/present", "x");
	std::vector<Rule> rules;
	rules.push_back(ruleFrom("10-path", "[Rule]\nDescription=present\n[Match]\n"
					    "ConditionPathExists=/etc/present\n"
					    "[Load]\nModules=xfs not_installed\n"));
	rules.push_back(ruleFrom("20-never", "[Match]\nConditionPathExists=/etc/absent\n"
					     "[Load]\nModules=nvidia\n"));
	rules.push_back(ruleFrom("30-glob", "[Load]\nModules=ip_vs*\nModules=nomatch_*\n"));
	RuleBook book(std::move(rules), t.root());
	DeviceSet none;

	std::vector<RuleOutcome> got = evaluateRules(book, none, fakeCatalog());
	REQUIRE(got.size() == 3);

	CHECK(got[0].rule.name == "10-path");
	CHECK(got[0].rule.description == "present");
	CHECK(got[0].verdict.holds);
	CHECK(names(got[0].requests) ==
	      std::vector<std::string>{"xfs /etc/modloadd/rules.d/10-path.rules:6"});
	REQUIRE(got[0].notices.size() == 1);
	CHECK(got[0].notices[0].file == "/etc/modloadd/rules.d/10-path.rules");
	CHECK(got[0].notices[0].line == 6);
	CHECK(got[0].notices[0].message ==
	      "Rule '10-path': module 'not_installed' is not installed, skipped");

	CHECK(got[1].rule.name == "20-never");
	CHECK_FALSE(got[1].verdict.holds);
	CHECK(got[1].verdict.why == "ConditionPathExists=/etc/absent");
	CHECK(got[1].requests.empty());
	CHECK(got[1].notices.empty());

	CHECK(got[2].verdict.holds);
	CHECK(names(got[2].requests) ==
	      std::vector<std::string>{"ip_vs /etc/modloadd/rules.d/30-glob.rules:2",
				       "ip_vs_rr /etc/modloadd/rules.d/30-glob.rules:2"});
	REQUIRE(got[2].notices.size() == 1);
	CHECK(got[2].notices[0].line == 3);

	// A plan fires nothing: the daemon's book would still fire every rule.
	for (const Rule &r : book.rules())
		CHECK_FALSE(book.fired(r));
}

TEST_CASE("given a device rule, we should see it hold with its device present and not without")
{
	TempTree t;
	std::vector<Rule> rules;
	rules.push_back(ruleFrom("gpu", "[Match]\nConditionPCIDevice=10de:*:03*\n"
					"[Load]\nModules=nvidia\n"));
	rules.push_back(ruleFrom("no-gpu", "[Match]\nConditionPCIDevice=!10de\n"
					   "[Load]\nModules=xfs\n"));
	RuleBook book(std::move(rules), t.root());

	DeviceSet none;
	std::vector<RuleOutcome> without = evaluateRules(book, none, fakeCatalog());
	REQUIRE(without.size() == 2);
	CHECK_FALSE(without[0].verdict.holds);
	CHECK(without[0].verdict.why == "ConditionPCIDevice=10de:*:03*");
	CHECK(without[1].verdict.holds);

	DeviceSet devices;
	Uevent gpu;
	gpu.action = "add";
	gpu.devpath = "/devices/pci0000:00/0000:01:00.0";
	gpu.subsystem = "pci";
	gpu.modalias = "pci:v000010DEd00002204sv00001458sd0000403Bbc03sc00i00";
	devices.apply(gpu);
	std::vector<RuleOutcome> with = evaluateRules(book, devices, fakeCatalog());
	REQUIRE(with.size() == 2);
	CHECK(with[0].verdict.holds);
	CHECK(names(with[0].requests) ==
	      std::vector<std::string>{"nvidia /etc/modloadd/rules.d/gpu.rules:4"});
	CHECK_FALSE(with[1].verdict.holds);
	CHECK(with[1].verdict.why == "ConditionPCIDevice=!10de");
}
