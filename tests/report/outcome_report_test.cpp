// Journal records for outcomes and configuration problems, and the summary line.
#include "report/message_ids.h"
#include "report/outcome_report.h"
#include "report/plan_output.h"
#include "report/tally.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <nlohmann/json.hpp>

using namespace modloadd;

namespace {

PlannedModule module(std::string name, std::vector<std::string> origins)
{
	PlannedModule m;
	m.name = std::move(name);
	m.origins = std::move(origins);
	m.displayPath = "/lib/modules/6.1/kernel/" + m.name + ".ko";
	return m;
}

std::vector<std::string> all(const LogRecord &r, std::string_view field)
{
	std::vector<std::string> out;
	for (const LogField &f : r.fields)
		if (f.name == field)
			out.push_back(f.value);
	return out;
}

} // namespace

TEST_CASE("given each outcome, we should log it at its level with its message id and fields")
{
	struct Case {
		Outcome outcome;
		int priority;
		std::string_view id;
	};
	const Case cases[] = {
		{{OutcomeKind::Inserted, 0, {}, {}}, LOG_INFO, message_id::kInserted},
		{{OutcomeKind::AlreadyLoaded, 0, {}, {}}, LOG_DEBUG, message_id::kAlreadyLoaded},
		{{OutcomeKind::Builtin, 0, {}, {}}, LOG_DEBUG, message_id::kBuiltin},
		{{OutcomeKind::Blacklisted, 0, "blacklisted in modprobe.d", {}},
		 LOG_INFO,
		 message_id::kBlacklisted},
		{{OutcomeKind::NotFound, ENOENT, {}, {}}, LOG_WARNING, message_id::kNotFound},
		{{OutcomeKind::NoDevice, ENODEV, {}, {}}, LOG_NOTICE, message_id::kNoDevice},
		{{OutcomeKind::Failed, ENOEXEC, {}, "foo: version magic '5.10' should be '6.1'"},
		 LOG_ERR,
		 message_id::kFailed},
	};
	for (const Case &c : cases) {
		CAPTURE(outcomeName(c.outcome.kind));
		Journal journal(LogTarget::Memory);
		reportOutcome(journal,
			      module("foo", {"/etc/modules-load.d/x.conf:3", "kernel-cmdline"}),
			      c.outcome);
		auto records = journal.records();
		REQUIRE(records.size() == 1);
		const LogRecord &r = records[0];
		CHECK(r.priority == c.priority);
		CHECK(r.field("MESSAGE_ID") == c.id);
		CHECK(r.field("MODLOADD_MODULE") == "foo");
		CHECK(all(r, "MODLOADD_ORIGIN") ==
		      std::vector<std::string>{"/etc/modules-load.d/x.conf:3", "kernel-cmdline"});
		CHECK(r.field("ERRNO") == (c.outcome.err ? std::to_string(c.outcome.err) : ""));
		CHECK(r.message.find("foo") != std::string::npos);
		CHECK_FALSE(r.codeFile.empty());
	}
}

TEST_CASE("given a failure with the kernel's reason, we should put the reason in the entry")
{
	Journal journal(LogTarget::Memory);
	reportOutcome(journal, module("bad", {"x.conf:1"}),
		      {OutcomeKind::Failed, ENOENT, "", "bad: Unknown symbol foo_fn (err -2)"});
	auto r = journal.records().at(0);
	CHECK(r.field("MODLOADD_KERNEL_MESSAGE") == "bad: Unknown symbol foo_fn (err -2)");
	CHECK(r.message ==
	      "Failed to insert module 'bad': No such file or directory (x.conf:1) — kernel: bad: "
	      "Unknown symbol foo_fn (err -2)");
}

TEST_CASE("given configuration problems, we should warn with file and line")
{
	Journal journal(LogTarget::Memory);
	reportDiagnostics(journal,
			  {{"/etc/modules-load.d/a.conf", 7, "'a b' has a space, ignoring"},
			   {"/etc/modules-load.d", 0, "Failed to read: denied, ignoring"}});
	auto records = journal.records();
	REQUIRE(records.size() == 2);
	CHECK(records[0].message == "/etc/modules-load.d/a.conf:7: 'a b' has a space, ignoring");
	CHECK(records[0].priority == LOG_WARNING);
	CHECK(records[0].field("CONFIG_LINE") == "7");
	CHECK(records[1].message == "/etc/modules-load.d: Failed to read: denied, ignoring");
	CHECK(records[0].field("MESSAGE_ID") == message_id::kConfigWarning);
}

TEST_CASE("given a run's outcomes, we should summarise them in one line")
{
	Tally t;
	for (int i = 0; i < 12; i++)
		t.add(module("m" + std::to_string(i), {}), {OutcomeKind::Inserted, 0, {}, {}});
	for (int i = 0; i < 3; i++)
		t.add(module("l" + std::to_string(i), {}), {OutcomeKind::AlreadyLoaded, 0, {}, {}});
	t.add(module("b", {}), {OutcomeKind::Builtin, 0, {}, {}});
	CHECK(t.summary() == "Loaded 12 modules (3 already loaded, 1 builtin)");
	t.add(module("foo", {}), {OutcomeKind::Failed, EINVAL, {}, {}});
	t.add(module("gone", {}), {OutcomeKind::NotFound, ENOENT, {}, {}});
	CHECK(t.summary() ==
	      "Loaded 12 modules (3 already loaded, 1 builtin, 1 not found); 1 failed: foo");
	CHECK(t.progress(20) == "Loading modules: 18/20 settled, 12 inserted, 1 failed");
}

TEST_CASE("given a plan, we should print JSON with the documented shape in load order")
{
	BootPlan plan;
	plan.tree = {"6.1.0-test", "/r/lib/modules/6.1.0-test", "/lib/modules/6.1.0-test"};
	PlannedModule base = module("base", {"dependency of top"});
	PlannedModule top = module("top", {"/etc/modules-load.d/t.conf:1"});
	top.waitsFor = {{0, true}};
	PlannedModule gone = module("gone", {"kernel-cmdline"});
	gone.planned = OutcomeKind::NotFound;
	gone.reason = "no module or alias 'gone'";
	plan.graph.modules = {base, top, gone};
	plan.diagnostics = {{"/etc/modules-load.d/t.conf", 2, "bad \xff line, ignoring"}};

	auto j = nlohmann::json::parse(planJson(plan));
	CHECK(j["kernel"] == "6.1.0-test");
	REQUIRE(j["modules"].size() == 3);
	CHECK(j["modules"][0]["name"] == "base");
	CHECK(j["modules"][1]["after"] == nlohmann::json::array({"base"}));
	CHECK(j["modules"][1]["action"] == "insert");
	CHECK(j["modules"][1]["origins"] ==
	      nlohmann::json::array({"/etc/modules-load.d/t.conf:1"}));
	CHECK(j["modules"][2]["action"] == "missing");
	CHECK(j["warnings"][0]["line"] == 2);

	std::string table = planTable(plan);
	CHECK(table.find("top") != std::string::npos);
	CHECK(table.find("1 configuration warnings") != std::string::npos);
}
