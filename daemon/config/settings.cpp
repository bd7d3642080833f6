// modloadd.conf: the daemon's own configuration, systemd-style INI with drop-ins.
#include "config/settings.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fmt/format.h>
#include <fnmatch.h>
#include <optional>
#include <unistd.h>

#include "base/rooted_path.h"
#include "base/strings.h"
#include "base/words.h"
#include "config/conf_files.h"
#include "config/ini_text.h"

namespace modloadd {

namespace {

// Enough for any machine we know; a bigger number is a typo, not a wish.
constexpr unsigned kMaxWorkers = 1024;

// Sets one key from its value, or returns what a valid value would look like. An empty value
// resets the key to its default, as assignments do in systemd's configuration files.
using Setter = std::optional<std::string> (*)(Settings &s, std::string_view value);

std::optional<std::string> setWorkers(Settings &s, std::string_view value)
{
	if (value.empty()) {
		s.workers = Settings{}.workers;
		return std::nullopt;
	}
	auto n = parseDecimal(value);
	if (!n || *n > kMaxWorkers)
		return fmt::format("a number from 0 (one per CPU) to {}", kMaxWorkers);
	s.workers = static_cast<unsigned>(*n);
	return std::nullopt;
}

std::optional<std::string> setBackend(Settings &s, std::string_view value)
{
	if (value.empty())
		s.backend = Settings{}.backend;
	else if (value == "kernel")
		s.backend = BackendKind::Kernel;
	else if (value == "simulated")
		s.backend = BackendKind::Simulated;
	else
		return "kernel or simulated";
	return std::nullopt;
}

std::optional<std::string> setSimulationScript(Settings &s, std::string_view value)
{
	// Relative to what? The daemon has no meaningful working directory.
	if (!value.empty() && value.front() != '/')
		return "an absolute path";
	s.simulationScript = value;
	return std::nullopt;
}

std::optional<std::string> setInstallCommands(Settings &s, std::string_view value)
{
	if (value.empty())
		s.installCommands = Settings{}.installCommands;
	else if (value == "deny")
		s.installCommands = InstallCommands::Deny;
	else if (value == "run")
		s.installCommands = InstallCommands::Run;
	else
		return "deny or run";
	return std::nullopt;
}

std::optional<std::string> setLogTarget(Settings &s, std::string_view value)
{
	if (value.empty())
		s.logTarget = Settings{}.logTarget;
	else if (value == "auto" || value == "journal" || value == "console")
		s.logTarget = value;
	else
		return "auto, journal or console";
	return std::nullopt;
}

std::optional<std::string> setMetricsFile(Settings &s, std::string_view value)
{
	// node_exporter's textfile collector reads *.prom files in its directory.
	if (!value.empty() && (value.front() != '/' || value.back() == '/'))
		return "an absolute file name";
	s.metricsFile = value;
	return std::nullopt;
}

std::optional<std::string> setColdplug(Settings &s, std::string_view value)
{
	if (value.empty())
		s.coldplug = Settings{}.coldplug;
	else if (auto b = parseBoolean(value))
		s.coldplug = *b;
	else
		return "a boolean";
	return std::nullopt;
}

std::optional<std::string> setWatchConfiguration(Settings &s, std::string_view value)
{
	if (value.empty())
		s.watchConfiguration = Settings{}.watchConfiguration;
	else if (auto b = parseBoolean(value))
		s.watchConfiguration = *b;
	else
		return "a boolean";
	return std::nullopt;
}

std::optional<std::string> setUevents(Settings &s, std::string_view value)
{
	if (value.empty())
		s.uevents = Settings{}.uevents;
	else if (value == "kernel")
		s.uevents = UeventsFrom::Kernel;
	else if (value == "udev")
		s.uevents = UeventsFrom::Udev;
	else if (value == "no")
		s.uevents = UeventsFrom::None;
	else
		return "kernel, udev or no";
	return std::nullopt;
}

std::optional<std::string> setReceiveBuffer(Settings &s, std::string_view value)
{
	if (value.empty()) {
		s.receiveBuffer = Settings{}.receiveBuffer;
		return std::nullopt;
	}
	constexpr const char *kExpected = "a size from 64K to 2G (K, M, G: powers of 1024)";
	size_t n = 0;
	auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
	if (ec != std::errc() || end == value.data())
		return kExpected;
	std::string_view suffix = value.substr(static_cast<size_t>(end - value.data()));
	unsigned shift = suffix.empty()	 ? 0
			 : suffix == "K" ? 10
			 : suffix == "M" ? 20
			 : suffix == "G" ? 30
					 : 99;
	if (shift == 99 || n > (size_t{2} << 30) >> shift)
		return kExpected;
	n <<= shift;
	if (n < (size_t{64} << 10))
		return kExpected;
	s.receiveBuffer = n;
	return std::nullopt;
}

// A bound in seconds, 0 (none) to an hour; empty restores the default.
template <unsigned Settings::*Field>
std::optional<std::string> setSeconds(Settings &s, std::string_view value)
{
	if (value.empty()) {
		s.*Field = Settings{}.*Field;
		return std::nullopt;
	}
	auto n = parseDecimal(value);
	if (!n || *n > 3600)
		return "seconds from 0 (no bound) to 3600";
	s.*Field = static_cast<unsigned>(*n);
	return std::nullopt;
}

bool moduleNameChar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || isDigit(c) || c == '_';
}

// A glob over module names in its canonical form: the characters of module names, '-' read as
// '_' (as kmod reads names), and fnmatch(3)'s *, ? and [...] (! or ^ negates, '-' makes a
// range inside brackets). None when WORD is something else.
std::optional<std::string> moduleGlob(std::string_view word)
{
	std::string glob;
	size_t bracket = std::string::npos; // where an open [ is
	for (char c : word) {
		if (bracket != std::string::npos) {
			if (c == ']' && glob.size() > bracket + 1 &&
			    !(glob.size() == bracket + 2 &&
			      (glob.back() == '!' || glob.back() == '^')))
				bracket = std::string::npos;
			else if (!moduleNameChar(c) && c != '-' && c != '!' && c != '^')
				return std::nullopt;
		} else if (c == '[') {
			bracket = glob.size();
		} else if (c == '-') {
			c = '_';
		} else if (!moduleNameChar(c) && c != '*' && c != '?') {
			return std::nullopt;
		}
		glob += c;
	}
	if (glob.empty() || bracket != std::string::npos || glob.size() > 255)
		return std::nullopt;
	return glob;
}

// [Devices] DenyModules=: a list as systemd's are (words append, an empty value resets), each
// word judged alone, so one typo does not lose the others.
void addDenyModules(Settings &s, std::string_view value, const Diagnostic &at, Diagnostics &diags)
{
	if (trim(value).empty()) {
		s.denyModules.clear();
		return;
	}
	std::string_view rest = value;
	std::string word;
	for (;;) {
		int r = extractWord(rest, word, true, false);
		if (r < 0) {
			diags.push_back({at.file, at.line,
					 fmt::format("Invalid quoting in DenyModules= value '{}', "
						     "ignoring the rest of the line",
						     quoteForDiagnostic(value))});
			return;
		}
		if (r == 0)
			return;
		auto glob = moduleGlob(word);
		if (!glob) {
			diags.push_back({at.file, at.line,
					 fmt::format("Invalid module glob '{}' in DenyModules= "
						     "(expected module name characters, *, ? and "
						     "[...]), ignoring",
						     quoteForDiagnostic(word))});
			continue;
		}
		bool known = std::any_of(s.denyModules.begin(), s.denyModules.end(),
					 [&](const DenyGlob &d) { return d.glob == *glob; });
		if (!known)
			s.denyModules.push_back({std::move(*glob), at.file, at.line});
	}
}

// Sets a list key from one assignment, reporting bad words itself (AT gives the file and line).
using ListSetter = void (*)(Settings &s, std::string_view value, const Diagnostic &at,
			    Diagnostics &diags);

// Whether two settings agree on one key.
using Same = bool (*)(const Settings &a, const Settings &b);

// Lists of globs agree when their globs do, wherever they were written.
constexpr Same sameGlobs = [](const Settings &a, const Settings &b) {
	return std::equal(a.denyModules.begin(), a.denyModules.end(), b.denyModules.begin(),
			  b.denyModules.end(),
			  [](const DenyGlob &x, const DenyGlob &y) { return x.glob == y.glob; });
};

template <auto Field>
constexpr Same same = [](const Settings &a, const Settings &b) { return a.*Field == b.*Field; };

struct KeyHandler {
	std::string_view section;
	std::string_view key;
	Setter set;
	Same equal;
	ListSetter add = nullptr; // instead of SET, for a list
};

// The whole schema, like a systemd gperf table: section, key, parser, comparison.
constexpr KeyHandler kKeys[] = {
	{"Load", "Workers", setWorkers, same<&Settings::workers>},
	{"Load", "Backend", setBackend, same<&Settings::backend>},
	{"Load", "SimulationScript", setSimulationScript, same<&Settings::simulationScript>},
	{"Load", "InstallCommands", setInstallCommands, same<&Settings::installCommands>},
	{"Load", "InsertTimeoutSec", setSeconds<&Settings::insertTimeoutSec>,
	 same<&Settings::insertTimeoutSec>},
	{"Load", "WatchConfiguration", setWatchConfiguration, same<&Settings::watchConfiguration>},
	{"Report", "LogTarget", setLogTarget, same<&Settings::logTarget>},
	{"Report", "MetricsFile", setMetricsFile, same<&Settings::metricsFile>},
	{"Devices", "Coldplug", setColdplug, same<&Settings::coldplug>},
	{"Devices", "Uevents", setUevents, same<&Settings::uevents>},
	{"Devices", "ReceiveBuffer", setReceiveBuffer, same<&Settings::receiveBuffer>},
	{"Devices", "ReadyTimeoutSec", setSeconds<&Settings::readyTimeoutSec>,
	 same<&Settings::readyTimeoutSec>},
	{"Devices", "DenyModules", nullptr, sameGlobs, addDenyModules},
};

bool knownSection(std::string_view section)
{
	return std::any_of(std::begin(kKeys), std::end(kKeys),
			   [&](const KeyHandler &h) { return h.section == section; });
}

const KeyHandler *findKey(std::string_view section, std::string_view key)
{
	for (const KeyHandler &h : kKeys)
		if (h.section == section && h.key == key)
			return &h;
	return nullptr;
}

} // namespace

void applySettingsText(Settings &s, std::string_view text, std::string_view displayPath,
		       Diagnostics &diags)
{
	auto warn = [&](unsigned lineNo, std::string message) {
		diags.push_back({std::string(displayPath), lineNo, std::move(message)});
	};
	IniHandler handler;
	handler.onSection = [&](unsigned lineNo, std::string_view section) {
		if (knownSection(section))
			return true;
		// Said once at the header; repeating it for every key would be noise.
		warn(lineNo,
		     fmt::format("Unknown section '{}', ignoring", quoteForDiagnostic(section)));
		return false;
	};
	handler.onAssignment = [&](unsigned lineNo, std::string_view section, std::string_view key,
				   std::string_view value) {
		const KeyHandler *h = findKey(section, key);
		if (!h) {
			warn(lineNo, fmt::format("Unknown key '{}' in section [{}], ignoring",
						 quoteForDiagnostic(key), section));
			return;
		}
		if (h->add)
			h->add(s, value, {std::string(displayPath), lineNo, {}}, diags);
		else if (auto expected = h->set(s, value))
			warn(lineNo, fmt::format("Invalid {}= value '{}' (expected {}), ignoring",
						 key, quoteForDiagnostic(value), *expected));
	};
	readIniText(text, displayPath, handler, diags);
}

std::string DenyGlob::describe() const
{
	return fmt::format("{} ({}:{})", glob, file, line);
}

const DenyGlob *findDenyGlob(const std::vector<DenyGlob> &deny, std::string_view module)
{
	std::string name(module);
	for (const DenyGlob &d : deny)
		if (fnmatch(d.glob.c_str(), name.c_str(), 0) == 0)
			return &d;
	return nullptr;
}

std::vector<std::string_view> changedSettings(const Settings &before, const Settings &after)
{
	std::vector<std::string_view> keys;
	for (const KeyHandler &h : kKeys)
		if (!h.equal(before, after))
			keys.push_back(h.key);
	return keys;
}

std::vector<ConfFile> settingsFiles(std::string_view root, Diagnostics &diags)
{
	std::vector<ConfFile> files;
	constexpr std::string_view kMainFile = "/etc/modloadd.conf";
	std::string main = rootedPath(root, kMainFile);
	if (access(main.c_str(), F_OK) == 0) // every setting has a default; the file is optional
		files.push_back({main, std::string(kMainFile)});
	for (ConfFile &file : listConfFiles(root, "modloadd.conf.d", ".conf", diags))
		files.push_back(std::move(file));
	return files;
}

Settings readSettings(std::string_view root, Diagnostics &diags)
{
	Settings s;
	for (const ConfFile &file : settingsFiles(root, diags)) {
		std::string text;
		int r = readConfFileText(file.path, text);
		if (r < 0) {
			diags.push_back(readFailure(file.displayPath, r));
			continue;
		}
		applySettingsText(s, text, file.displayPath, diags);
	}
	return s;
}

} // namespace modloadd
