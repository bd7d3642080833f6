// `modloadctl verify` and `modloadctl reload`: the configuration checked by kind, and the
// running daemon made to read it again.
#include "ctl/config_commands.h"

#include "base/strings.h"
#include "config/conf_files.h"
#include "config/modules_load_d.h"
#include "config/settings.h"
#include "rules/rule_file.h"
#include "service/reload_record.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <optional>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace modloadd {

namespace {

using Json = nlohmann::ordered_json;

// What kind of configuration a file is, by its name.
enum class ConfKind { Rule, Settings, ModulesLoad };

ConfKind kindOf(const std::string &path)
{
	if (endsWith(path, kRulesSuffix))
		return ConfKind::Rule;
	if (endsWith(path, "/modloadd.conf") || path == "modloadd.conf" ||
	    path.find("/modloadd.conf.d/") != std::string::npos)
		return ConfKind::Settings;
	return ConfKind::ModulesLoad;
}

// Checks one file; problems go to `diags`. Returns false when it could not be read.
bool verifyFile(const ConfFile &file, ConfKind kind, Diagnostics &diags)
{
	std::string text;
	int r = readConfFileText(file.path, text);
	if (r < 0) {
		diags.push_back(readFailure(file.displayPath, r));
		return false;
	}
	switch (kind) {
	case ConfKind::Rule: {
		Rule rule;
		parseRule(text, file.displayPath, rule, diags);
		break;
	}
	case ConfKind::Settings: {
		Settings settings;
		applySettingsText(settings, text, file.displayPath, diags);
		break;
	}
	case ConfKind::ModulesLoad:
		parseModulesLoadFile(file, diags);
		break;
	}
	return true;
}

} // namespace

int verifyConfiguration(const std::string &rootDir, const std::vector<std::string> &paths,
			bool json)
{
	std::vector<std::pair<ConfFile, ConfKind>> files;
	Diagnostics diags;
	if (paths.empty()) {
		// Everything the daemon would read under ROOT.
		std::string_view root = rootDir;
		for (ConfFile &f : listConfFiles(root, "modules-load.d", ".conf", diags))
			files.push_back({std::move(f), ConfKind::ModulesLoad});
		for (ConfFile &f : settingsFiles(root, diags))
			files.push_back({std::move(f), ConfKind::Settings});
		for (ConfFile &f : listConfFiles(root, kRulesSubdir, kRulesSuffix, diags))
			files.push_back({std::move(f), ConfKind::Rule});
	} else {
		for (const std::string &path : paths)
			files.push_back({{path, path}, kindOf(path)});
	}
	for (const auto &[file, kind] : files)
		verifyFile(file, kind, diags);
	if (json) {
		Json problems = Json::array();
		for (const Diagnostic &d : diags)
			problems.push_back({{"file", d.file.empty() ? Json(nullptr) : Json(d.file)},
					    {"line", d.line == 0 ? Json(nullptr) : Json(d.line)},
					    {"message", d.message}});
		Json doc;
		doc["files_checked"] = files.size();
		doc["problems"] = problems;
		fmt::print("{}\n", doc.dump(2, ' ', false, Json::error_handler_t::replace));
		return diags.empty() ? 0 : 1;
	}
	for (const Diagnostic &d : diags) {
		std::string where = diagnosticLocation(d);
		fmt::print("{}{}{}\n", where, where.empty() ? "" : ": ", d.message);
	}
	fmt::print("{} files checked, {} problems\n", files.size(), diags.size());
	return diags.empty() ? 0 : 1;
}

namespace {

// A reload that failed: the message on stderr, and with JSON the answer on stdout. Returns 1.
int failed(bool json, const std::string &message)
{
	fmt::print(stderr, "modloadctl: {}\n", message);
	if (json) {
		Json doc;
		doc["reloaded"] = false;
		doc["error"] = message;
		fmt::print("{}\n", doc.dump(2, ' ', false, Json::error_handler_t::replace));
	}
	return 1;
}

// A reload done: with JSON, the record that answered. Returns 0.
int reloaded(bool json, const ReloadRecord &record)
{
	if (json) {
		Json doc;
		doc["reloaded"] = true;
		doc["daemon"] = record.daemon;
		doc["generation"] = record.generation;
		doc["requested_by"] = record.requestedBy;
		fmt::print("{}\n", doc.dump(2));
	}
	return 0;
}

// `systemctl reload modloadd.service`: its ExecReload= runs `modloadctl reload --pid
// $MAINPID`, which waits. With JSON, systemctl runs as a child and the record it left is
// printed.
int systemctlReload(const std::string &root, bool json)
{
	if (!json) {
		execlp("systemctl", "systemctl", "reload", "modloadd.service", nullptr);
		return failed(false, fmt::format("cannot run systemctl: {}", strerror(errno)));
	}
	pid_t child = fork();
	if (child < 0)
		return failed(json, fmt::format("cannot run systemctl: {}", strerror(errno)));
	if (child == 0) {
		// Its messages are for a person: stderr, not the JSON on stdout.
		dup2(STDERR_FILENO, STDOUT_FILENO);
		execlp("systemctl", "systemctl", "reload", "modloadd.service", nullptr);
		_exit(127);
	}
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return failed(json, WIFEXITED(status) && WEXITSTATUS(status) == 127
					    ? "cannot run systemctl"
					    : "systemctl reload modloadd.service failed (see "
					      "journalctl -u modloadd)");
	auto record = readReloadRecord(root);
	if (!record)
		return failed(json, "systemctl reloaded modloadd.service, but it left no reload "
				    "record under /run/modloadd");
	return reloaded(json, *record);
}

} // namespace

// SIGHUP to the daemon, then wait for the reload record that answers it: the daemon writes one
// when the modules the reload added have settled, naming the senders of the signals it read.
// A record two generations on answers too: that reload began after this signal was sent (two
// signals sent at once reach the daemon as one, with one sender).
int reloadDaemon(const std::string &root, pid_t pid, unsigned timeoutSec, bool json)
{
	if (pid == 0)
		return systemctlReload(root, json);
	std::optional<ReloadRecord> done;
	auto answered = [&](uint64_t base) {
		auto record = readReloadRecord(root);
		if (!record || record->daemon != pid || record->generation <= base)
			return false;
		const auto &by = record->requestedBy;
		if (record->generation < base + 2 &&
		    std::find(by.begin(), by.end(), getpid()) == by.end())
			return false;
		done = record;
		return true;
	};
	auto before = readReloadRecord(root);
	uint64_t base = before && before->daemon == pid ? before->generation : 0;
	if (kill(pid, SIGHUP) < 0)
		return failed(json, fmt::format("cannot signal modloadd (PID {}): {}", pid,
						strerror(errno)));
	auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSec);
	while (std::chrono::steady_clock::now() < deadline) {
		if (answered(base))
			return reloaded(json, *done);
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return failed(
				json,
				fmt::format("modloadd (PID {}) exited before it reloaded", pid));
		poll(nullptr, 0, 20);
	}
	return failed(json, fmt::format("modloadd (PID {}) did not finish reloading within {} s "
					"(see journalctl -u modloadd)",
					pid, timeoutSec));
}

} // namespace modloadd
