// Rendering the daemon's state for a terminal.
#include "report/state_output.h"

#include "base/strings.h"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <fmt/format.h>

namespace modloadd {

namespace {

constexpr OutcomeKind kShownKinds[] = {
	OutcomeKind::Inserted,	  OutcomeKind::AlreadyLoaded, OutcomeKind::Builtin,
	OutcomeKind::Blacklisted, OutcomeKind::NotFound,      OutcomeKind::NoDevice,
	OutcomeKind::Failed,	  OutcomeKind::TimedOut,
};

// An outcome key as a person reads it: "already loaded".
std::string spoken(std::string key)
{
	std::replace(key.begin(), key.end(), '_', ' ');
	return key;
}

std::string localTime(uint64_t usec)
{
	time_t t = static_cast<time_t>(usec / 1000000);
	tm local{};
	if (!localtime_r(&t, &local))
		return "?";
	char buf[64];
	size_t n = strftime(buf, sizeof buf, "%a %Y-%m-%d %H:%M:%S %Z", &local);
	return std::string(buf, n);
}

std::string ago(uint64_t thenUsec, uint64_t nowUsec)
{
	if (nowUsec < thenUsec)
		return "in the future: the clock changed";
	uint64_t s = (nowUsec - thenUsec) / 1000000;
	if (s < 60)
		return fmt::format("{} s ago", s);
	if (s < 3600)
		return fmt::format("{} min {} s ago", s / 60, s % 60);
	if (s < 86400)
		return fmt::format("{} h {} min ago", s / 3600, s / 60 % 60);
	return fmt::format("{} days {} h ago", s / 86400, s / 3600 % 24);
}

// "Exec format error", or the cause: why a module failed, in a few words.
std::string why(const std::string &cause, int err)
{
	std::string text = cause;
	if (err) {
		std::string e = fmt::format("{} (errno {})", strerror(err), err);
		text = text.empty() ? e : fmt::format("{}: {}", text, e);
	}
	return text;
}

std::string someOf(const std::vector<std::string> &names, size_t shown)
{
	if (names.size() <= shown)
		return fmt::format("{}", fmt::join(names, ", "));
	std::vector<std::string> first(names.begin(), names.begin() + shown);
	return fmt::format("{} and {} more", fmt::join(first, ", "), names.size() - shown);
}

std::string uevents(const UeventState &u)
{
	const UeventCounters &c = u.counters;
	std::string s = fmt::format("{} received, {} accepted, {} for devices", c.received,
				    c.accepted, u.deviceEvents);
	if (uint64_t refused = c.malformed + c.badModalias + c.truncated + c.spoofed)
		s += fmt::format(", {} refused ({} malformed, {} bad modalias, {} truncated, "
				 "{} spoofed)",
				 refused, c.malformed, c.badModalias, c.truncated, c.spoofed);
	if (c.overflows)
		s += fmt::format(", {} overflows, {} rescans", c.overflows, u.rescans);
	if (c.readErrors)
		s += fmt::format(", {} read errors", c.readErrors);
	return s;
}

} // namespace

std::string formatDuration(const std::optional<double> &ms)
{
	if (!ms)
		return "-";
	if (*ms < 10)
		return fmt::format("{:.1f} ms", *ms);
	if (*ms < 1000)
		return fmt::format("{:.0f} ms", *ms);
	return fmt::format("{:.1f} s", *ms / 1000);
}

std::string statusText(const DaemonState &s, uint64_t nowUsec)
{
	std::string out = fmt::format("modloadd: {}{} (PID {})\n", s.phase,
				      s.ready ? ", ready" : ", not ready yet", s.pid);
	out += fmt::format("     Since: {}; {}\n", localTime(s.startedUsec),
			   ago(s.startedUsec, nowUsec));
	out += fmt::format("   Reloads: {}\n", s.generation);
	if (!s.status.empty())
		out += fmt::format("    Status: {}\n", s.status);
	std::vector<std::string> counts;
	for (OutcomeKind kind : kShownKinds)
		if (size_t n = s.counts[static_cast<size_t>(kind)])
			counts.push_back(fmt::format("{} {}", n, spoken(outcomeKey(kind))));
	out += fmt::format("   Modules: {} of {} settled{}{}\n", s.settled, s.modules.size(),
			   counts.empty() ? "" : ": ", fmt::join(counts, ", "));
	out += fmt::format("   Uevents: {}\n",
			   s.uevents ? uevents(*s.uevents) : std::string("not listening"));

	std::vector<std::string> failed, timedOut;
	for (const ModuleState &m : s.modules) {
		if (m.outcome == outcomeKey(OutcomeKind::Failed))
			failed.push_back(m.name);
		if (m.outcome == outcomeKey(OutcomeKind::TimedOut)) {
			bool stuck = std::find(s.inserting.begin(), s.inserting.end(), m.name) !=
				     s.inserting.end();
			timedOut.push_back(stuck ? m.name + " (still inserting)" : m.name);
		}
	}
	std::vector<std::string> inserting;
	for (const std::string &name : s.inserting)
		if (std::none_of(timedOut.begin(), timedOut.end(),
				 [&](const std::string &t) { return t.rfind(name + " ", 0) == 0; }))
			inserting.push_back(name);
	if (!failed.empty())
		out += fmt::format("    Failed: {}\n", someOf(failed, 10));
	if (!timedOut.empty())
		out += fmt::format(" Timed out: {}\n", someOf(timedOut, 10));
	if (!inserting.empty())
		out += fmt::format(" Inserting: {}\n", someOf(inserting, 10));
	return out;
}

std::string listTable(const DaemonState &s, bool failedOnly)
{
	std::vector<const ModuleState *> rows;
	for (const ModuleState &m : s.modules)
		if (!failedOnly || isFailedState(m))
			rows.push_back(&m);
	size_t nameWidth = 6; // "MODULE"
	for (const ModuleState *m : rows)
		nameWidth = std::max(nameWidth, std::min<size_t>(m->name.size(), 32));
	std::string out = fmt::format("{:<{}}  {:<14}  {:>8}  {}\n", "MODULE", nameWidth, "OUTCOME",
				      "TIME", "ORIGIN");
	std::string indent(nameWidth + 2, ' ');
	for (const ModuleState *m : rows) {
		out += fmt::format("{:<{}}  {:<14}  {:>8}  {}\n", m->name, nameWidth,
				   spoken(m->outcome), formatDuration(m->durationMs),
				   m->origins.empty() ? "-" : someOf(m->origins, 3));
		bool failure = isFailedState(*m);
		if (failure || !m->cause.empty())
			if (std::string w = why(m->cause, failure ? m->err : 0); !w.empty())
				out += fmt::format("{}why: {}\n", indent, w);
		for (const std::string &line : split(m->kernelMessage, '\n'))
			out += fmt::format("{}kernel: {}\n", indent, line);
		if (m->late)
			out += fmt::format("{}late: {} after {}{}\n", indent,
					   spoken(m->late->outcome),
					   formatDuration(m->late->durationMs),
					   m->late->err ? " (" + why({}, m->late->err) + ")" : "");
	}
	size_t failed = std::count_if(s.modules.begin(), s.modules.end(),
				      [](const ModuleState &m) { return isFailedState(m); });
	out += failedOnly ? fmt::format("{} of {} modules failed.\n", failed, s.modules.size())
			  : fmt::format("{} modules, {} failed.\n", s.modules.size(), failed);
	return out;
}

} // namespace modloadd
