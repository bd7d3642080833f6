// `modloadctl status` and `modloadctl list` on the state a real modloadd wrote under a fixture
// root (the simulated backend): the summary, the table, --failed, --json with its documented
// fields; and what modloadctl says when no daemon runs or the state is damaged.
#include "tree_support.h"

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <signal.h>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace modloadd::testing;

namespace {

// The exit statuses modloadctl(1) documents.
constexpr int kNotRunning = 3;
constexpr int kUnreadable = 4;

std::string ctlBinary()
{
	return builtBinary("MODLOADCTL_BINARY");
}

std::string daemonBinary()
{
	return builtBinary("MODLOADD_BINARY");
}

std::string readText(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

struct Root : FixtureRoot {
	std::string statePath() const { return dir.path("/run/modloadd/state.json"); }

	// `modloadctl --root ROOT ARGS`; standard error with standard output unless JSON.
	std::string ctl(const std::string &args, int &status, bool withStderr = true) const
	{
		return capture(fmt::format("'{}' --root '{}' {}{}", ctlBinary(), dir.root(), args,
					   withStderr ? " 2>&1" : ""),
			       status);
	}

	nlohmann::json ctlJson(const std::string &args) const
	{
		int status = 0;
		std::string out = ctl(args + " --json", status, false);
		INFO(out);
		REQUIRE(status == 0);
		nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
		REQUIRE_FALSE(j.is_discarded());
		return j;
	}

	// The daemon serving in the background, with the simulated backend and SCRIPT.
	pid_t startDaemon(const std::string &script) const
	{
		dir.write("script", script);
		std::string log = dir.path("/log");
		pid_t pid = fork();
		REQUIRE(pid >= 0);
		if (pid == 0) {
			int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			dup2(fd, STDERR_FILENO);
			std::string bin = daemonBinary(), root = dir.root(),
				    scriptPath = dir.path("/script");
			execl(bin.c_str(), bin.c_str(), "--root", root.c_str(), "--kernel",
			      kFixtureKernel, "--backend", "simulated", "--simulation-script",
			      scriptPath.c_str(), "--log-target", "console", nullptr);
			_exit(127);
		}
		return pid;
	}

	// Waits (20 s at most) until the state file says PHASE.
	bool waitForPhase(const std::string &phase) const
	{
		for (int i = 0; i < 400; i++) {
			auto j = nlohmann::json::parse(readText(statePath()), nullptr, false);
			if (!j.is_discarded() && j.is_object() && j.value("phase", "") == phase)
				return true;
			poll(nullptr, 0, 50);
		}
		return false;
	}
};

const nlohmann::json *moduleNamed(const nlohmann::json &list, const std::string &name)
{
	for (const nlohmann::json &m : list["modules"])
		if (m["name"] == name)
			return &m;
	return nullptr;
}

std::vector<std::string> namesOf(const nlohmann::json &modules)
{
	std::vector<std::string> names;
	for (const nlohmann::json &m : modules)
		names.push_back(m["name"]);
	return names;
}

bool has(const std::string &text, const std::string &needle)
{
	return text.find(needle) != std::string::npos;
}

mode_t modeOf(const std::string &path)
{
	struct stat st {};
	REQUIRE(stat(path.c_str(), &st) == 0);
	return st.st_mode & 07777;
}

int stop(pid_t pid)
{
	kill(pid, SIGTERM);
	int status = 0;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	return status;
}

} // namespace

TEST_CASE("given a daemon that settled with a failure, status and list should show what it did, "
	  "and --json the documented fields")
{
	Root root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\nfx_dia_top\n");
	pid_t pid = root.startDaemon("fx_dia_left:0:ENOEXEC\n");
	bool settled = root.waitForPhase("settled");
	INFO(readText(root.dir.path("/log")));
	REQUIRE(settled);

	int status = 0;
	std::string out = root.ctl("status", status);
	INFO(out);
	CHECK(status == 0);
	CHECK(has(out, fmt::format("modloadd: settled, ready (PID {})", pid)));
	CHECK(has(out, "Modules: 7 of 7 settled: 5 inserted, 2 failed"));
	CHECK(has(out, "Failed: fx_dia_left, fx_dia_top"));
	CHECK(has(out, "Reloads: 0"));

	nlohmann::json s = root.ctlJson("status");
	INFO(s.dump(2));
	CHECK(s["pid"] == pid);
	CHECK(s["phase"] == "settled");
	CHECK(s["ready"] == true);
	CHECK(s["generation"] == 0);
	CHECK(s["modules_total"] == 7);
	CHECK(s["modules_settled"] == 7);
	CHECK(s["counts"]["inserted"] == 5);
	CHECK(s["counts"]["failed"] == 2);
	CHECK(s["counts"]["timed_out"] == 0);
	CHECK(s["counts"].size() == 8);
	CHECK(s["failed"] == nlohmann::json::array({"fx_dia_left", "fx_dia_top"}));
	CHECK(s["timed_out"] == nlohmann::json::array());
	CHECK(s["inserting"] == nlohmann::json::array());
	CHECK(s["started_usec"].is_number_unsigned());
	CHECK(s["written_usec"] >= s["started_usec"]);
	CHECK((s["uevents"].is_null() || s["uevents"]["received"].is_number_unsigned()));
	CHECK(s.contains("status"));
	CHECK_FALSE(s.contains("modules"));

	out = root.ctl("list", status);
	CHECK(status == 0);
	CHECK(has(out, "MODULE"));
	CHECK(has(out, "/etc/modules-load.d/a.conf:1"));
	CHECK(has(out, "dependency of fx_chain_a"));
	CHECK(has(out, "why: Exec format error (errno 8)"));
	CHECK(has(out, "why: dependency 'fx_dia_left' failed"));
	CHECK(has(out, "7 modules, 2 failed."));

	out = root.ctl("list --failed", status);
	CHECK(status == 0);
	CHECK(has(out, "fx_dia_left"));
	CHECK(has(out, "fx_dia_top"));
	CHECK_FALSE(has(out, "fx_chain_a"));
	CHECK(has(out, "2 of 7 modules failed."));

	nlohmann::json list = root.ctlJson("list");
	INFO(list.dump(2));
	REQUIRE(list["modules"].size() == 7);
	for (const nlohmann::json &m : list["modules"]) {
		CHECK(m.size() == 12);
		for (const char *key :
		     {"name", "outcome", "errno", "cause", "kernel_message", "origins", "devices",
		      "path", "options", "install_command", "duration_ms", "late"})
			CHECK(m.contains(key));
	}
	const nlohmann::json *left = moduleNamed(list, "fx_dia_left");
	REQUIRE(left);
	CHECK((*left)["outcome"] == "failed");
	CHECK((*left)["errno"] == ENOEXEC);
	CHECK((*left)["duration_ms"].is_number());
	CHECK((*left)["origins"] == nlohmann::json::array({"dependency of fx_dia_top"}));
	const nlohmann::json *top = moduleNamed(list, "fx_dia_top");
	REQUIRE(top);
	CHECK((*top)["duration_ms"].is_null()); // never attempted
	CHECK((*top)["origins"] == nlohmann::json::array({"/etc/modules-load.d/a.conf:2"}));
	const nlohmann::json *a = moduleNamed(list, "fx_chain_a");
	REQUIRE(a);
	CHECK((*a)["outcome"] == "inserted");
	CHECK((*a)["path"] == "/lib/modules/6.1.0-fixture/kernel/drivers/fixture/fx_chain_a.ko");
	CHECK((*a)["late"].is_null());

	nlohmann::json failed = root.ctlJson("list --failed");
	CHECK(namesOf(failed["modules"]) == std::vector<std::string>{"fx_dia_left", "fx_dia_top"});

	// Anyone may read it.
	CHECK(modeOf(root.statePath()) == 0644);
	CHECK(modeOf(root.dir.path("/run/modloadd")) == 0755);

	// Stopped: the state stays, and says who wrote it; modloadctl says no daemon runs.
	int stopped = stop(pid);
	CHECK(WEXITSTATUS(stopped) == 0);
	for (const char *command : {"status", "list", "list --failed --json", "status --json"}) {
		out = root.ctl(command, status);
		INFO(command << ": " << out);
		CHECK(status == kNotRunning);
		CHECK(has(out, fmt::format("modloadd is not running: {} was written by PID {}, "
					   "which has exited",
					   root.statePath(), pid)));
	}
}

TEST_CASE("given no state, status and list should say that modloadd is not running and exit 3")
{
	Root root;
	int status = 0;
	for (const char *command : {"status", "list", "status --json"}) {
		std::string out = root.ctl(command, status);
		INFO(command << ": " << out);
		CHECK(status == kNotRunning);
		CHECK(out == fmt::format("modloadd is not running: {} does not exist\n",
					 root.statePath()));
	}
	std::string out = root.ctl("status --failed", status);
	CHECK(status == 2);
	CHECK(has(out, "--failed goes with list only"));
}

TEST_CASE("given a state whose PID is now another program, modloadctl should call it stale")
{
	Root root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
	int status = 0;
	// A real state: the one a run to settle leaves.
	std::string log = capture(fmt::format("'{}' --once --root '{}' --kernel {} --backend "
					      "simulated --log-target console 2>&1",
					      daemonBinary(), root.dir.root(), kFixtureKernel),
				  status);
	INFO(log);
	REQUIRE(status == 0);
	nlohmann::json state = nlohmann::json::parse(readText(root.statePath()));
	CHECK(state["phase"] == "stopping");

	pid_t other = fork();
	REQUIRE(other >= 0);
	if (other == 0) {
		execl("/bin/sleep", "sleep", "30", nullptr);
		_exit(127);
	}
	// Once the child is sleep (its comm changes at exec).
	for (int i = 0; i < 100 && readText(fmt::format("/proc/{}/comm", other)) != "sleep\n"; i++)
		poll(nullptr, 0, 20);
	state["pid"] = other;
	root.dir.write("run/modloadd/state.json", state.dump());
	std::string out = root.ctl("status", status);
	INFO(out);
	CHECK(status == kNotRunning);
	CHECK(has(out, fmt::format("was written by PID {}, which is now 'sleep'", other)));
	kill(other, SIGKILL);
	waitpid(other, nullptr, 0);
}

TEST_CASE("given a damaged state file, status and list should say what is wrong and exit 4")
{
	Root root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\n");
	int status = 0;
	std::string log = capture(fmt::format("'{}' --once --root '{}' --kernel {} --backend "
					      "simulated --log-target console 2>&1",
					      daemonBinary(), root.dir.root(), kFixtureKernel),
				  status);
	INFO(log);
	REQUIRE(status == 0);
	std::string whole = readText(root.statePath());
	REQUIRE(whole.size() > 100);
	nlohmann::json state = nlohmann::json::parse(whole);
	nlohmann::json wrongType = state, noModules = state, later = state;
	wrongType["modules"][0]["origins"] = "x.conf:1";
	noModules.erase("modules");
	later["format"] = 2;

	const std::pair<std::string, std::string> cases[] = {
		{whole.substr(0, whole.size() / 2), "it is not JSON (cut short or damaged)"},
		{"", "it is empty"},
		{"[1, 2]", "it is not a JSON object"},
		{wrongType.dump(), "modules[0].origins is not an array of strings"},
		{noModules.dump(), "modules is missing"},
		{later.dump(), "its format is 2, this modloadctl reads 1"},
	};
	for (const auto &[text, problem] : cases) {
		root.dir.write("run/modloadd/state.json", text);
		for (const char *command : {"status", "list --json"}) {
			std::string out = root.ctl(command, status);
			INFO(command << ": " << out);
			CHECK(status == kUnreadable);
			CHECK(out ==
			      fmt::format("modloadctl: {} is not a state modloadd wrote: {}\n",
					  root.statePath(), problem));
		}
	}
	// Not a file at all.
	std::filesystem::remove(root.statePath());
	std::filesystem::create_directory(root.statePath());
	std::string out = root.ctl("status", status);
	CHECK(status == kUnreadable);
	CHECK(has(out, fmt::format("modloadctl: cannot read {}", root.statePath())));
}
