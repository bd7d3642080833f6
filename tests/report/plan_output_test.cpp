// The rules in `modloadctl plan`'s table and JSON.
#include "report/plan_output.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace modloadd;

namespace {

RuleOutcome outcome(std::string name, bool holds, std::string why)
{
	RuleOutcome o;
	o.rule.name = std::move(name);
	o.rule.file = "/etc/modloadd/rules.d/" + o.rule.name + ".rules";
	o.verdict = {holds, std::move(why)};
	return o;
}

// A plan with a rule that fires (two modules, one notice), one that does not, and one that
// fires with nothing to load.
BootPlan planWithRules()
{
	BootPlan plan;
	plan.tree = {"6.1.0-test", "/r/lib/modules/6.1.0-test", "/lib/modules/6.1.0-test"};
	PlannedModule m;
	m.name = "ip_vs";
	m.origins = {"/etc/modloadd/rules.d/10-lvs.rules:5"};
	plan.graph.modules = {m};

	RuleOutcome lvs = outcome("10-lvs", true, "");
	lvs.rule.description = "load balancer";
	lvs.requests = {{"ip_vs", "/etc/modloadd/rules.d/10-lvs.rules:5"},
			{"ip_vs_rr", "/etc/modloadd/rules.d/10-lvs.rules:5"}};
	lvs.notices = {
		{lvs.rule.file, 6, "Rule '10-lvs': module 'gone' is not installed, skipped"}};
	RuleOutcome gpu = outcome("20-gpu", false, "ConditionPCIDevice=10de");
	RuleOutcome empty = outcome("30-empty", true, "");
	plan.rules = {lvs, gpu, empty};
	plan.requests = lvs.requests;
	plan.ruleRequests = 2;
	plan.diagnostics = {{"/etc/modloadd/rules.d/40-bad.rules", 2,
			     "Unknown condition 'ConditionFoo', ignoring"}};
	return plan;
}

} // namespace

TEST_CASE("given rules in a plan, we should list each with its file and verdict in the table")
{
	std::string table = planTable(planWithRules());
	INFO(table);
	CHECK(table.find("\nRules: 2 of 3 fire\n") != std::string::npos);
	CHECK(table.find("  RULE      FILE                                  VERDICT\n") !=
	      std::string::npos);
	CHECK(table.find(
		      "  10-lvs    /etc/modloadd/rules.d/10-lvs.rules    fires: ip_vs, ip_vs_rr\n"
		      "            notice: /etc/modloadd/rules.d/10-lvs.rules:6: Rule '10-lvs': "
		      "module 'gone' is not installed, skipped\n"
		      "  20-gpu    /etc/modloadd/rules.d/20-gpu.rules    does not fire: "
		      "ConditionPCIDevice=10de\n"
		      "  30-empty  /etc/modloadd/rules.d/30-empty.rules  fires: nothing to "
		      "load\n") != std::string::npos);
	// The section comes between the modules and the summary, which counts the rules' requests.
	CHECK(table.find("Rules:") < table.find(" to insert"));
	CHECK(table.find(
		      "; 2 requests (0 from devices, 2 from rules), 1 configuration warnings.\n") !=
	      std::string::npos);
	CHECK(table.find("warning: /etc/modloadd/rules.d/40-bad.rules:2: Unknown condition "
			 "'ConditionFoo', ignoring\n") != std::string::npos);
}

TEST_CASE("given no rules, we should leave the Rules section out")
{
	BootPlan plan = planWithRules();
	plan.rules.clear();
	CHECK(planTable(plan).find("Rules") == std::string::npos);
	auto j = nlohmann::json::parse(planJson(plan));
	CHECK(j["rules"] == nlohmann::json::array());
}

TEST_CASE("given rules in a plan, we should give each its verdict, modules and notices in JSON")
{
	auto j = nlohmann::json::parse(planJson(planWithRules()));
	REQUIRE(j["rules"].size() == 3);
	const auto &lvs = j["rules"][0];
	CHECK(lvs["name"] == "10-lvs");
	CHECK(lvs["file"] == "/etc/modloadd/rules.d/10-lvs.rules");
	CHECK(lvs["description"] == "load balancer");
	CHECK(lvs["fires"] == true);
	CHECK(lvs["why"].is_null());
	CHECK(lvs["modules"] == nlohmann::json::array({"ip_vs", "ip_vs_rr"}));
	REQUIRE(lvs["notices"].size() == 1);
	CHECK(lvs["notices"][0]["file"] == "/etc/modloadd/rules.d/10-lvs.rules");
	CHECK(lvs["notices"][0]["line"] == 6);
	CHECK(lvs["notices"][0]["message"] ==
	      "Rule '10-lvs': module 'gone' is not installed, skipped");

	const auto &gpu = j["rules"][1];
	CHECK(gpu["fires"] == false);
	CHECK(gpu["why"] == "ConditionPCIDevice=10de");
	CHECK(gpu["description"] == "");
	CHECK(gpu["modules"] == nlohmann::json::array());
	CHECK(gpu["notices"] == nlohmann::json::array());

	CHECK(j["modules"][0]["origins"] ==
	      nlohmann::json::array({"/etc/modloadd/rules.d/10-lvs.rules:5"}));
	CHECK(j["warnings"][0]["line"] == 2);

	// "rules" between the modules and the warnings, as documented.
	auto ordered = nlohmann::ordered_json::parse(planJson(planWithRules()));
	std::vector<std::string> keys;
	for (auto it = ordered.begin(); it != ordered.end(); ++it)
		keys.push_back(it.key());
	CHECK(keys == std::vector<std::string>{"kernel", "modules", "rules", "warnings"});
	std::vector<std::string> ruleKeys;
	for (auto it = ordered["rules"][0].begin(); it != ordered["rules"][0].end(); ++it)
		ruleKeys.push_back(it.key());
	CHECK(ruleKeys == std::vector<std::string>{"name", "file", "description", "fires", "why",
						   "modules", "notices"});
}
