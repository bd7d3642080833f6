// Reading the daemon's state, and telling a live daemon's from what a gone one left behind.
#include "ctl/state_commands.h"

#include "config/conf_files.h"
#include "report/daemon_state.h"
#include "report/state_output.h"
#include "system/process_name.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fmt/format.h>
#include <optional>
#include <time.h>

namespace modloadd {

namespace {

constexpr std::string_view kDaemonName = "modloadd"; // its /proc/PID/comm

uint64_t realtimeUsec()
{
	timespec ts{};
	clock_gettime(CLOCK_REALTIME, &ts);
	return uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
}

// The state of the daemon that runs, or nullopt with the message said and STATUS set.
std::optional<DaemonState> readState(std::string_view root, int &status)
{
	std::string path = stateFilePath(root);
	std::string text;
	int r = readConfFileText(path, text);
	if (r == -ENOENT || r == -ENOTDIR) {
		fmt::print(stderr, "modloadd is not running: {} does not exist\n", path);
		status = kExitNotRunning;
		return std::nullopt;
	}
	if (r < 0) {
		fmt::print(stderr, "modloadctl: cannot read {}: {}\n", path, strerror(-r));
		status = kExitUnknown;
		return std::nullopt;
	}
	auto state = parseDaemonState(text);
	if (!state) {
		fmt::print(stderr, "modloadctl: {} is not a state modloadd wrote: {}\n", path,
			   state.error().message);
		status = kExitUnknown;
		return std::nullopt;
	}
	// A daemon that stopped or was killed leaves its last state behind: its PID tells. EPERM
	// means a process is there (a daemon of root's, asked by a user).
	pid_t pid = state->pid;
	if (kill(pid, 0) < 0 && errno == ESRCH) {
		fmt::print(stderr,
			   "modloadd is not running: {} was written by PID {}, which has "
			   "exited\n",
			   path, pid);
		status = kExitNotRunning;
		return std::nullopt;
	}
	if (auto comm = processName(pid); comm && *comm != kDaemonName) {
		fmt::print(stderr,
			   "modloadd is not running: {} was written by PID {}, which is now "
			   "'{}'\n",
			   path, pid, *comm);
		status = kExitNotRunning;
		return std::nullopt;
	}
	status = 0;
	return std::move(*state);
}

} // namespace

int showStatus(std::string_view root, bool json)
{
	int status = 0;
	auto state = readState(root, status);
	if (!state)
		return status;
	fmt::print("{}", json ? statusJson(*state) : statusText(*state, realtimeUsec()));
	return 0;
}

int listModules(std::string_view root, bool json, bool failedOnly)
{
	int status = 0;
	auto state = readState(root, status);
	if (!state)
		return status;
	fmt::print("{}", json ? listJson(*state, failedOnly) : listTable(*state, failedOnly));
	return 0;
}

} // namespace modloadd
