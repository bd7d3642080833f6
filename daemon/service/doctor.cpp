// The configuration's checks of `modloadctl doctor` (the names modules-load.d, the command line
// and the rules give; the other loaders still running beside modloadd), and the report put
// together with the module tree's checks (service/doctor_modules.cpp).
#include "service/doctor.h"

#include "base/strings.h"
#include "config/loader_takeover.h"
#include "uevent/coldplug.h"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <map>
#include <set>

namespace modloadd {

namespace {

// What the configuration asks for on this machine: the command line's and modules-load.d's
// lines, and the modules of the rules that hold here (tested as `plan` tests them, with the
// devices under the root).
std::vector<Request> configuredRequests(BootPlanner &planner, const std::vector<RuleOutcome> &rules)
{
	std::vector<Request> requests = planner.staticRequests();
	for (const RuleOutcome &o : rules)
		requests.insert(requests.end(), o.requests.begin(), o.requests.end());
	return requests;
}

// missing-module for the names the rules give that no module answers to (the rules' own
// requests leave them out). A rule that holds here and loads nothing for a name: a warning. A
// rule that does not hold is for other machines: its names are checked only when the
// administrator wrote it (/etc, /run), as a note; the shipped rules name drivers most
// machines lack, and say nothing here.
void ruleFindings(ModuleIndex &index, const std::vector<RuleOutcome> &rules,
		  std::vector<Finding> &out)
{
	const KernelTree &tree = index.tree();
	for (const RuleOutcome &o : rules) {
		bool local = startsWith(o.rule.file, "/etc/") || startsWith(o.rule.file, "/run/");
		if (!o.verdict.holds && !local)
			continue;
		for (const RuleModule &m : o.rule.modules) {
			if (m.isGlob())
				continue;
			auto found = index.lookup(m.pattern);
			if (found && !found->empty())
				continue;
			std::string where = o.rule.originOf(m);
			std::string message =
				o.verdict.holds
					? fmt::format(
						  "{}: rule '{}' holds here, but kernel {} has "
						  "no module '{}': the rule loads nothing for it",
						  where, o.rule.name, tree.version, m.pattern)
					: fmt::format(
						  "{}: rule '{}' does not hold here ({}); where "
						  "it does, kernel {} has no module '{}'",
						  where, o.rule.name, o.verdict.why, tree.version,
						  m.pattern);
			out.push_back(
				{"missing-module", m.pattern,
				 o.verdict.holds ? Severity::Warning : Severity::Info, message,
				 fmt::format("install the package that ships it, or remove it "
					     "from the rule ({})",
					     where)});
		}
	}
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

// denied-device: a device present asks for a module that [Devices] DenyModules= keeps from
// loading for devices. Meant, often (a list trimmed for this machine is the advice), but
// the device then has no driver: a note naming the glob and the way back.
void deniedFindings(const ModuleGraph &devices, const ModuleGraph &configured,
		    std::vector<Finding> &out)
{
	std::set<std::string> loaded; // a person's list loads it anyway
	for (const PlannedModule &m : configured.modules)
		loaded.insert(m.name);
	for (const PlannedModule &m : devices.modules) {
		if (m.deniedBy.empty() || loaded.contains(m.name))
			continue;
		std::vector<std::string> asking;
		for (const DeviceRef &d : m.devices)
			asking.push_back(fmt::format("{} ({})", d.devpath, d.modalias));
		out.push_back({"denied-device", m.name, Severity::Info,
			       fmt::format("{} is what {} of this machine asks for, and [Devices] "
					   "DenyModules={} denies it: the device has no driver",
					   m.name, fmt::join(asking, ", "), m.deniedBy),
			       fmt::format("if the device must work, drop the glob from "
					   "modloadd.conf, or list {} in /etc/modules-load.d/",
					   m.name)});
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
	// The devices under the root, for the rules' device conditions; their own modules are
	// the kernel's to ask for, not the configuration's, but for what DenyModules= holds back.
	std::vector<Request> ignored;
	for (const Uevent &device : scanDevices(inputs.root))
		planner->takeDevice(device, ignored);
	std::vector<RuleOutcome> rules = planner->ruleVerdicts();
	ModuleGraph graph = planner->resolver().graph(configuredRequests(*planner, rules));
	deniedFindings(planner->resolver().graph(ignored), graph, report.findings);
	configFindings(graph, planner->tree(), report.findings);
	ruleFindings(planner->resolver().index(), rules, report.findings);
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
