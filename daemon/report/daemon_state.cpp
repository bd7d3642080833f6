// The state file's JSON, both ways: written by the daemon, read back by modloadctl, which must
// tell a person what is wrong with a file it cannot use rather than stop on it.
#include "report/daemon_state.h"

#include "base/rooted_path.h"
#include "base/strings.h"

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>

namespace modloadd {

using Json = nlohmann::ordered_json;

namespace {

constexpr OutcomeKind kAllKinds[] = {
	OutcomeKind::Inserted,	  OutcomeKind::AlreadyLoaded, OutcomeKind::Builtin,
	OutcomeKind::Blacklisted, OutcomeKind::NotFound,      OutcomeKind::NoDevice,
	OutcomeKind::Failed,	  OutcomeKind::TimedOut,
};
static_assert(std::size(kAllKinds) == kOutcomeKinds);

Json optionalNumber(const std::optional<double> &ms)
{
	return ms ? Json(*ms) : Json(nullptr);
}

Json moduleJson(const ModuleState &m)
{
	Json devices = Json::array();
	for (const DeviceRef &d : m.devices)
		devices.push_back({{"devpath", d.devpath}, {"modalias", d.modalias}});
	Json late = nullptr;
	if (m.late)
		late = {{"outcome", m.late->outcome},
			{"errno", m.late->err},
			{"kernel_message", m.late->kernelMessage},
			{"duration_ms", optionalNumber(m.late->durationMs)}};
	return {{"name", m.name},
		{"outcome", m.outcome},
		{"errno", m.err},
		{"cause", m.cause},
		{"kernel_message", m.kernelMessage},
		{"origins", m.origins},
		{"devices", std::move(devices)},
		{"path", m.path},
		{"options", m.options},
		{"install_command", m.installCommand},
		{"duration_ms", optionalNumber(m.durationMs)},
		{"late", std::move(late)}};
}

Json ueventsJson(const UeventState &u)
{
	const UeventCounters &c = u.counters;
	return {{"received", c.received},	   {"accepted", c.accepted},
		{"malformed", c.malformed},	   {"bad_modalias", c.badModalias},
		{"truncated", c.truncated},	   {"spoofed", c.spoofed},
		{"overflows", c.overflows},	   {"read_errors", c.readErrors},
		{"device_events", u.deviceEvents}, {"rescans", u.rescans}};
}

// Reads fields with their types checked, never throwing; remembers the first problem.
class Reader {
public:
	std::string problem;

	const Json *field(const Json &object, std::string_view key, std::string_view where)
	{
		auto it = object.find(key);
		if (it == object.end()) {
			fail(fmt::format("{}{} is missing", where, key));
			return nullptr;
		}
		return &*it;
	}

	void read(const Json &o, std::string_view key, std::string_view where, std::string &out)
	{
		if (const Json *v = field(o, key, where))
			v->is_string() ? void(out = v->get<std::string>())
				       : wrongType(where, key, "a string");
	}
	void read(const Json &o, std::string_view key, std::string_view where, bool &out)
	{
		if (const Json *v = field(o, key, where))
			v->is_boolean() ? void(out = v->get<bool>())
					: wrongType(where, key, "true or false");
	}
	template <typename N>
	void read(const Json &o, std::string_view key, std::string_view where, N &out)
	{
		if (const Json *v = field(o, key, where)) {
			if (v->is_number_unsigned() &&
			    v->get<uint64_t>() <= uint64_t(std::numeric_limits<N>::max()))
				out = static_cast<N>(v->get<uint64_t>());
			else
				wrongType(where, key, "a whole number");
		}
	}
	void read(const Json &o, std::string_view key, std::string_view where,
		  std::optional<double> &out)
	{
		if (const Json *v = field(o, key, where)) {
			if (v->is_number())
				out = v->get<double>();
			else if (!v->is_null())
				wrongType(where, key, "a number or null");
		}
	}
	void read(const Json &o, std::string_view key, std::string_view where,
		  std::vector<std::string> &out)
	{
		const Json *v = field(o, key, where);
		if (!v)
			return;
		if (!v->is_array())
			return wrongType(where, key, "an array of strings");
		for (const Json &s : *v) {
			if (!s.is_string())
				return wrongType(where, key, "an array of strings");
			out.push_back(s.get<std::string>());
		}
	}
	// An object (or, with NULLABLE, null: then nullptr without a problem).
	const Json *object(const Json &o, std::string_view key, std::string_view where,
			   bool nullable = false)
	{
		const Json *v = field(o, key, where);
		if (!v || (nullable && v->is_null()))
			return nullptr;
		if (!v->is_object()) {
			wrongType(where, key, nullable ? "an object or null" : "an object");
			return nullptr;
		}
		return v;
	}

	void fail(std::string what)
	{
		if (problem.empty())
			problem = std::move(what);
	}

private:
	void wrongType(std::string_view where, std::string_view key, std::string_view type)
	{
		fail(fmt::format("{}{} is not {}", where, key, type));
	}
};

ModuleState readModule(Reader &r, const Json &j, const std::string &where)
{
	ModuleState m;
	r.read(j, "name", where, m.name);
	r.read(j, "outcome", where, m.outcome);
	r.read(j, "errno", where, m.err);
	r.read(j, "cause", where, m.cause);
	r.read(j, "kernel_message", where, m.kernelMessage);
	r.read(j, "origins", where, m.origins);
	r.read(j, "path", where, m.path);
	r.read(j, "options", where, m.options);
	r.read(j, "install_command", where, m.installCommand);
	r.read(j, "duration_ms", where, m.durationMs);
	if (const Json *devices = r.field(j, "devices", where)) {
		if (!devices->is_array())
			r.fail(where + "devices is not an array");
		else
			for (const Json &d : *devices) {
				if (!d.is_object()) {
					r.fail(where + "devices holds a non-object");
					break;
				}
				DeviceRef ref;
				r.read(d, "devpath", where + "devices[].", ref.devpath);
				r.read(d, "modalias", where + "devices[].", ref.modalias);
				m.devices.push_back(std::move(ref));
			}
	}
	if (const Json *late = r.object(j, "late", where, true)) {
		std::string at = where + "late.";
		LateAnswer a;
		r.read(*late, "outcome", at, a.outcome);
		r.read(*late, "errno", at, a.err);
		r.read(*late, "kernel_message", at, a.kernelMessage);
		r.read(*late, "duration_ms", at, a.durationMs);
		m.late = std::move(a);
	}
	return m;
}

} // namespace

std::string outcomeKey(OutcomeKind kind)
{
	std::string key(outcomeName(kind));
	std::replace(key.begin(), key.end(), ' ', '_');
	return key;
}

bool isFailedState(const ModuleState &module)
{
	return module.outcome == outcomeKey(OutcomeKind::Failed) ||
	       module.outcome == outcomeKey(OutcomeKind::TimedOut);
}

std::string stateFilePath(std::string_view root)
{
	return rootedPath(root, "/run/modloadd/state.json");
}

namespace {

Json stateObject(const DaemonState &s)
{
	Json counts = Json::object();
	for (OutcomeKind kind : kAllKinds)
		counts[outcomeKey(kind)] = s.counts[static_cast<size_t>(kind)];
	Json modules = Json::array();
	for (const ModuleState &m : s.modules)
		modules.push_back(moduleJson(m));
	Json doc{{"format", kStateFormat},
		 {"pid", s.pid},
		 {"started_usec", s.startedUsec},
		 {"written_usec", s.writtenUsec},
		 {"phase", s.phase},
		 {"ready", s.ready},
		 {"generation", s.generation},
		 {"status", s.status},
		 {"modules_total", s.modules.size()},
		 {"modules_settled", s.settled},
		 {"counts", std::move(counts)},
		 {"uevents", s.uevents ? ueventsJson(*s.uevents) : Json(nullptr)},
		 {"inserting", s.inserting},
		 {"modules", std::move(modules)}};
	return doc;
}

std::string text(const Json &doc)
{
	return doc.dump(1, '\t', false, Json::error_handler_t::replace) + "\n";
}

} // namespace

std::string stateJson(const DaemonState &state)
{
	return text(stateObject(state));
}

std::string statusJson(const DaemonState &state)
{
	Json doc = stateObject(state);
	doc.erase("modules");
	Json failed = Json::array(), timedOut = Json::array();
	for (const ModuleState &m : state.modules) {
		if (isFailedState(m))
			failed.push_back(m.name);
		if (m.outcome == outcomeKey(OutcomeKind::TimedOut))
			timedOut.push_back(m.name);
	}
	doc["failed"] = std::move(failed);
	doc["timed_out"] = std::move(timedOut);
	return text(doc);
}

std::string listJson(const DaemonState &state, bool failedOnly)
{
	Json modules = Json::array();
	for (const ModuleState &m : state.modules)
		if (!failedOnly || isFailedState(m))
			modules.push_back(moduleJson(m));
	return text(Json{{"modules", std::move(modules)}});
}

Result<DaemonState> parseDaemonState(std::string_view text)
{
	Json doc = Json::parse(text.begin(), text.end(), nullptr, false);
	if (doc.is_discarded())
		return Error{-EBADMSG, text.empty() ? "it is empty"
						    : "it is not JSON (cut short or damaged)"};
	if (!doc.is_object())
		return Error{-EBADMSG, "it is not a JSON object"};
	Reader r;
	int format = 0;
	r.read(doc, "format", "", format);
	if (!r.problem.empty())
		return Error{-EBADMSG, r.problem};
	if (format != kStateFormat)
		return Error{-EBADMSG, fmt::format("its format is {}, this modloadctl reads {}",
						   format, kStateFormat)};
	DaemonState s;
	r.read(doc, "pid", "", s.pid);
	if (s.pid == 0 && r.problem.empty())
		r.fail("pid is 0");
	r.read(doc, "started_usec", "", s.startedUsec);
	r.read(doc, "written_usec", "", s.writtenUsec);
	r.read(doc, "phase", "", s.phase);
	r.read(doc, "ready", "", s.ready);
	r.read(doc, "generation", "", s.generation);
	r.read(doc, "status", "", s.status);
	r.read(doc, "modules_settled", "", s.settled);
	if (const Json *counts = r.object(doc, "counts", ""))
		for (OutcomeKind kind : kAllKinds)
			r.read(*counts, outcomeKey(kind), "counts.",
			       s.counts[static_cast<size_t>(kind)]);
	if (const Json *u = r.object(doc, "uevents", "", true)) {
		UeventState us;
		UeventCounters &c = us.counters;
		const std::pair<const char *, uint64_t *> fields[] = {
			{"received", &c.received},	     {"accepted", &c.accepted},
			{"malformed", &c.malformed},	     {"bad_modalias", &c.badModalias},
			{"truncated", &c.truncated},	     {"spoofed", &c.spoofed},
			{"overflows", &c.overflows},	     {"read_errors", &c.readErrors},
			{"device_events", &us.deviceEvents}, {"rescans", &us.rescans},
		};
		for (auto [key, field] : fields)
			r.read(*u, key, "uevents.", *field);
		s.uevents = us;
	}
	r.read(doc, "inserting", "", s.inserting);
	if (const Json *modules = r.field(doc, "modules", "")) {
		if (!modules->is_array())
			r.fail("modules is not an array");
		else
			for (size_t i = 0; i < modules->size() && r.problem.empty(); i++) {
				const Json &m = (*modules)[i];
				std::string where = fmt::format("modules[{}].", i);
				if (!m.is_object())
					r.fail(fmt::format("modules[{}] is not an object", i));
				else
					s.modules.push_back(readModule(r, m, where));
			}
	}
	if (!r.problem.empty())
		return Error{-EBADMSG, r.problem};
	return s;
}

} // namespace modloadd
