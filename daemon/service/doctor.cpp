// The configuration's checks of `modloadctl doctor` (the names modules-load.d, the command line
// and the rules give; the other loaders still running beside modloadd), and the report put
// together with the module tree's checks (service/doctor_modules.cpp).
#include "service/doctor.h"

#include "base/strings.h"
#include "config/loader_takeover.h"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <set>

namespace modloadd {

namespace {

// What the configuration asks for: the command line's and modules-load.d's lines, and every
// module name a rule gives (whether or not the rule holds here: it may hold on the next boot).
// A rule's glob is left out: matching nothing is how a rule for other machines reads.
std::vector<Request> configuredRequests(BootPlanner &planner)
{
	std::vector<Request> requests = planner.staticRequests();
	if (auto book = planner.takeRules())
		for (const Rule &rule : book->rules())
			for (const RuleModule &m : rule.modules)
				if (!m.isGlob())
					requests.push_back({m.pattern, rule.originOf(m)});
	return requests;
}

std::string originList(const std::vector<std::string> &origins)
{
	return fmt::format("{}", fmt::join(origins, ", "));
}

// The configuration's lines that name MODULE: where the fix goes.
std::vector<std::string> namedBy(const PlannedModule &m)
{
	std::vector<std::string> out;
	for (const std::string &o : m.origins)
		if (!startsWith(o, "dependency of ") && !startsWith(o, "softdep "))
			out.push_back(o);
	return out.empty() ? m.origins : out;
}

// missing-module and blacklisted-listed, from the graph of what the configuration asks for.
void configFindings(const ModuleGraph &graph, const KernelTree &tree, std::vector<Finding> &out)
{
	for (const PlannedModule &m : graph.modules) {
		std::vector<std::string> by = namedBy(m);
		if (m.planned == OutcomeKind::NotFound) {
			out.push_back(
				{"missing-module", m.name, Severity::Error,
				 fmt::format("{} names '{}', which kernel {} does not have: {}",
					     originList(by), m.name, tree.version, m.reason),
				 fmt::format("install the package that ships it, or remove the "
					     "line ({}); if the file was copied in: depmod -a {}",
					     originList(by), tree.version)});
		} else if (m.planned == OutcomeKind::Blacklisted && m.installCommand.empty() &&
			   m.reason.find("install command") == std::string::npos) {
			out.push_back(
				{"blacklisted-listed", m.name, Severity::Warning,
				 fmt::format("{} asks for '{}', but it is {}: it is not loaded "
					     "(as systemd-modules-load would not load it either)",
					     originList(by), m.name, m.reason),
				 fmt::format(
					 "remove the line ({}) or the blacklist line "
					 "(grep -rn 'blacklist {}' /etc/modprobe.d /run/modprobe.d "
					 "/usr/lib/modprobe.d /lib/modprobe.d)",
					 originList(by), m.name)});
		}
	}
}

// takeover-partial: modloadd enabled, and another loader still loading beside it.
void takeoverFindings(const TakeoverState &t, std::vector<Finding> &out)
{
	if (!t.modloaddEnabled)
		return;
	// Partial when part of the takeover is done; otherwise both run side by side, which
	// is safe (the first loader wins) but loads twice over.
	bool partial = t.modulesLoadAliased || t.modulesLoadMasked || t.udevLoading.empty();
	Severity severity = partial ? Severity::Warning : Severity::Info;
	std::string kind = partial ? "the takeover is partial" : "no takeover was done";
	if (t.modulesLoadRuns())
		out.push_back({"takeover-partial", "", severity,
			       fmt::format("{}: systemd-modules-load.service still loads "
					   "modules-load.d beside modloadd.service",
					   kind),
			       "ln -s /lib/systemd/system/modloadd.service "
			       "/etc/systemd/system/systemd-modules-load.service && systemctl "
			       "daemon-reload"});
	else if (t.modulesLoadMasked)
		out.push_back({"takeover-partial", "", Severity::Info,
			       "systemd-modules-load.service is masked: the units ordered after it "
			       "(systemd-sysctl, ...) no longer wait for modules-load.d's modules",
			       "ln -sf /lib/systemd/system/modloadd.service "
			       "/etc/systemd/system/systemd-modules-load.service && systemctl "
			       "daemon-reload"});
	std::map<std::string, std::vector<std::string>> byFile;
	for (const UdevLoadingLine &l : t.udevLoading)
		byFile[l.file].push_back(fmt::format("{}:{}: {}", l.file, l.line, l.text));
	for (const auto &[file, lines] : byFile) {
		std::string name = file.substr(file.rfind('/') + 1);
		std::string fix =
			startsWith(file, "/etc/")
				? fmt::format("remove those lines from {}, then udevadm control "
					      "--reload",
					      file)
				: fmt::format(
					  "shadow it: copy {} to /etc/udev/rules.d/{} without "
					  "those lines (an empty file if it only loads modules), "
					  "then udevadm control --reload",
					  file, name);
		out.push_back({"takeover-partial", "", severity,
			       fmt::format("{}: udev still loads modules beside modloadd.service "
					   "({})",
					   kind, fmt::join(lines, "; ")),
			       fix});
	}
}

int rank(Severity s)
{
	return static_cast<int>(s);
}

} // namespace

Result<DoctorReport> runDoctor(const BootInputs &inputs)
{
	auto planner = BootPlanner::open(inputs);
	if (!planner)
		return planner.error();
	DoctorReport report;
	report.kernel = planner->tree().version;
	ModuleGraph graph = planner->resolver().graph(configuredRequests(*planner));
	configFindings(graph, planner->tree(), report.findings);
	std::vector<std::string> concerned;
	for (const PlannedModule &m : graph.modules)
		if (m.toInsert())
			concerned.push_back(m.name);
	doctorModuleFindings(planner->resolver().index(), concerned, report.findings);
	takeoverFindings(readTakeover(inputs.root), report.findings);
	std::stable_sort(report.findings.begin(), report.findings.end(),
			 [](const Finding &a, const Finding &b) {
				 if (a.severity != b.severity)
					 return rank(a.severity) < rank(b.severity);
				 if (a.id != b.id)
					 return a.id < b.id;
				 return a.module < b.module;
			 });
	return report;
}

} // namespace modloadd
