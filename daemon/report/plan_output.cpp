// Rendering a BootPlan as a table or as JSON.
#include "report/plan_output.h"

#include "config/conf_files.h"

#include <algorithm>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace modloadd {

namespace {

std::vector<std::string> afterNames(const BootPlan &plan, const PlannedModule &m)
{
	std::vector<std::string> out;
	for (const ModuleEdge &e : m.waitsFor)
		out.push_back(plan.graph.modules[e.module].name);
	return out;
}

std::string joinOr(const std::vector<std::string> &v, std::string_view empty)
{
	return v.empty() ? std::string(empty) : fmt::format("{}", fmt::join(v, ", "));
}

std::string cut(std::string s, size_t width)
{
	if (s.size() > width && width > 1)
		s = s.substr(0, width - 1) + "~";
	return s;
}

// The names a rule that fires asks for: modules, aliases, the modules a glob matched.
std::vector<std::string> requestNames(const RuleOutcome &o)
{
	std::vector<std::string> out;
	for (const Request &r : o.requests)
		out.push_back(r.name);
	return out;
}

nlohmann::ordered_json diagnosticsJson(const Diagnostics &diags)
{
	nlohmann::ordered_json out = nlohmann::ordered_json::array();
	for (const Diagnostic &d : diags)
		out.push_back({{"file", d.file}, {"line", d.line}, {"message", d.message}});
	return out;
}

// The first few of PATHS, and how many more.
std::string someOf(const std::vector<std::string> &paths)
{
	constexpr size_t kShown = 3;
	std::vector<std::string> shown(paths.begin(),
				       paths.begin() + std::min(paths.size(), kShown));
	std::string out = fmt::format("{}", fmt::join(shown, ", "));
	if (paths.size() > kShown)
		out += fmt::format(" and {} more", paths.size() - kShown);
	return out;
}

// The configuration's warnings, then a lagging depmod's.
Diagnostics warningsOf(const BootPlan &plan)
{
	Diagnostics out = plan.diagnostics;
	if (plan.depmodLag.any())
		out.push_back(depmodWarning(plan.tree, plan.depmodLag));
	return out;
}

// Every rule, in order: whether it fires and what it adds, or the condition that failed.
std::string rulesTable(const BootPlan &plan)
{
	size_t fire = std::count_if(plan.rules.begin(), plan.rules.end(),
				    [](const RuleOutcome &o) { return o.verdict.holds; });
	size_t nameWidth = 4, fileWidth = 4;
	for (const RuleOutcome &o : plan.rules) {
		nameWidth = std::max(nameWidth, std::min<size_t>(o.rule.name.size(), 32));
		fileWidth = std::max(fileWidth, o.rule.file.size());
	}
	std::string out = fmt::format("\nRules: {} of {} fire\n", fire, plan.rules.size());
	out += fmt::format("  {:<{}}  {:<{}}  {}\n", "RULE", nameWidth, "FILE", fileWidth,
			   "VERDICT");
	for (const RuleOutcome &o : plan.rules) {
		std::string verdict =
			o.verdict.holds ? "fires: " + joinOr(requestNames(o), "nothing to load")
					: "does not fire: " + o.verdict.why;
		out += fmt::format("  {:<{}}  {:<{}}  {}\n", cut(o.rule.name, 32), nameWidth,
				   o.rule.file, fileWidth, verdict);
		for (const Diagnostic &n : o.notices)
			out += fmt::format("  {:<{}}  notice: {}: {}\n", "", nameWidth,
					   diagnosticLocation(n), n.message);
	}
	return out;
}

} // namespace

Diagnostic depmodWarning(const KernelTree &tree, const DepmodLag &lag)
{
	std::vector<std::string> what;
	if (!lag.missing.empty())
		what.push_back(fmt::format(
			"{} it lists {} missing ({})", lag.missing.size() == 1 ? "a file" : "files",
			lag.missing.size() == 1 ? "is" : "are", someOf(lag.missing)));
	if (!lag.newer.empty())
		what.push_back(
			fmt::format("newer module files or directories ({})", someOf(lag.newer)));
	return {tree.displayDir + "/modules.dep", 0,
		fmt::format("out of date, depmod has not run since the modules changed: {}; run "
			    "{}",
			    fmt::join(what, "; "), depmodCommand(tree))};
}

std::string planTable(const BootPlan &plan)
{
	std::string out = fmt::format("Kernel {} ({})\n", plan.tree.version, plan.tree.displayDir);
	size_t nameWidth = 6;
	for (const PlannedModule &m : plan.graph.modules)
		nameWidth = std::max(nameWidth, std::min<size_t>(m.name.size(), 32));

	out += fmt::format("{:>4}  {:<{}}  {:<11}  {:<28}  {}\n", "#", "MODULE", nameWidth,
			   "ACTION", "AFTER", "WHY");
	size_t counts[kOutcomeKinds] = {};
	size_t n = 0;
	for (const PlannedModule &m : plan.graph.modules) {
		counts[static_cast<size_t>(m.planned)]++;
		std::string why = joinOr(m.origins, "-");
		if (!m.reason.empty())
			why += " — " + m.reason;
		out += fmt::format("{:>4}  {:<{}}  {:<11}  {:<28}  {}\n", ++n, cut(m.name, 32),
				   nameWidth, planWord(m.planned),
				   cut(joinOr(afterNames(plan, m), "-"), 28), why);
	}
	if (!plan.rules.empty())
		out += rulesTable(plan);
	out += fmt::format(
		"\n{} to insert, {} builtin, {} already loaded, {} blacklisted, {} missing",
		counts[static_cast<size_t>(OutcomeKind::Inserted)],
		counts[static_cast<size_t>(OutcomeKind::Builtin)],
		counts[static_cast<size_t>(OutcomeKind::AlreadyLoaded)],
		counts[static_cast<size_t>(OutcomeKind::Blacklisted)],
		counts[static_cast<size_t>(OutcomeKind::NotFound)]);
	// Only a hard dependency missing makes a plan fail a module: said when it does.
	if (size_t failing = counts[static_cast<size_t>(OutcomeKind::Failed)])
		out += fmt::format(", {} will fail", failing);
	out += fmt::format("; {} requests ({} from devices, {} from rules)", plan.requests.size(),
			   plan.deviceRequests, plan.ruleRequests);
	if (!plan.diagnostics.empty())
		out += fmt::format(", {} configuration warnings", plan.diagnostics.size());
	out += ".\n";
	for (const Diagnostic &d : warningsOf(plan)) {
		out += fmt::format("warning: {}: {}\n", diagnosticLocation(d), d.message);
	}
	return out;
}

std::string planJson(const BootPlan &plan)
{
	nlohmann::ordered_json modules = nlohmann::ordered_json::array();
	for (const PlannedModule &m : plan.graph.modules) {
		nlohmann::ordered_json j;
		j["name"] = m.name;
		j["action"] = planWord(m.planned);
		j["path"] = m.displayPath;
		j["origins"] = m.origins;
		j["after"] = afterNames(plan, m);
		if (!m.options.empty())
			j["options"] = m.options;
		if (!m.installCommand.empty())
			j["install_command"] = m.installCommand;
		if (!m.reason.empty())
			j["reason"] = m.reason;
		if (!m.devices.empty()) {
			nlohmann::ordered_json devices = nlohmann::ordered_json::array();
			for (const DeviceRef &d : m.devices)
				devices.push_back(
					{{"devpath", d.devpath}, {"modalias", d.modalias}});
			j["devices"] = std::move(devices);
		}
		modules.push_back(std::move(j));
	}
	nlohmann::ordered_json rules = nlohmann::ordered_json::array();
	for (const RuleOutcome &o : plan.rules) {
		nlohmann::ordered_json j;
		j["name"] = o.rule.name;
		j["file"] = o.rule.file;
		j["description"] = o.rule.description;
		j["fires"] = o.verdict.holds;
		j["why"] = nullptr; // only a rule that does not fire has a reason
		if (!o.verdict.holds)
			j["why"] = o.verdict.why;
		j["modules"] = requestNames(o);
		j["notices"] = diagnosticsJson(o.notices);
		rules.push_back(std::move(j));
	}

	nlohmann::ordered_json doc;
	doc["kernel"] = plan.tree.version;
	doc["modules"] = std::move(modules);
	doc["rules"] = std::move(rules);
	doc["warnings"] = diagnosticsJson(warningsOf(plan));
	// Invalid UTF-8 from a garbage config file must not abort the dump.
	return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

} // namespace modloadd
