// The kernel backend's worker and its modloadd-insert helper process, on this host: the round
// trip, a helper that dies, a helper that never answers (as one inside a hung init), and the
// helper run by hand. This host may have no module support; nothing here needs it.
#include "load/kernel_backend.h"
#include "load/worker_pool.h"
#include "temp_tree.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <vector>

using namespace modloadd;
using namespace modloadd::testing;
using namespace std::chrono_literals;

namespace {

constexpr auto kBound = 20s; // generous: the machine is shared

std::string builtHelper()
{
	const char *path = std::getenv("MODLOADD_INSERT_HELPER");
	REQUIRE(path);
	return path;
}

// A stand-in helper: a shell script run in the helper's place.
std::string scriptHelper(const TempTree &tree, const std::string &body)
{
	tree.write("/helper", "#!/bin/sh\n" + body + "\n");
	std::filesystem::permissions(tree.path("/helper"), std::filesystem::perms::owner_all);
	return tree.path("/helper");
}

} // namespace

TEST_CASE("given a module file that is not there, the helper should answer with libkmod's error")
{
	KernelBackend backend(false, builtHelper());
	auto worker = backend.makeWorker();
	std::string message;
	CHECK(worker->insert({"nosuch", "/nonexistent/nosuch.ko", {}, {}}, message) == -ENOENT);
	// The same helper serves the next insert.
	CHECK(worker->insert({"other", "/nonexistent/other.ko", {}, {}}, message) == -ENOENT);
}

TEST_CASE("given an install command, the helper should run it and answer with its status")
{
	KernelBackend allowed(true, builtHelper());
	auto worker = allowed.makeWorker();
	std::string message;
	CHECK(worker->insert({"m", "", "", "exit 0"}, message) == 0);
	CHECK(worker->insert({"m", "", "", "exit 3"}, message) == -EIO);
	CHECK(message == "install command failed: exit 3");

	KernelBackend denied(false, builtHelper());
	CHECK(denied.makeWorker()->insert({"m", "", "", "exit 0"}, message) == -EPERM);
}

TEST_CASE("given a refusal memory, each request should name it to the helper, and the helper "
	  "should leave an answer that may change out of it")
{
	TempTree tree;
	// Keeps the request, answers -19 (ENODEV), then waits for the end.
	KernelBackend backend(
		false, scriptHelper(tree, "dd bs=65536 count=1 <&3 >" + tree.path("/request") +
						  " 2>/dev/null; printf '\\355\\377\\377\\377' "
						  ">&3; cat <&3 >/dev/null"));
	CHECK(backend.rememberRefusalsIn(tree.path("/run/refused")));
	std::string message;
	CHECK(backend.makeWorker()->insert({"fx", "/x/fx.ko", "speed=fast", {}}, message) ==
	      -ENODEV);
	using namespace std::string_literals;
	CHECK(tree.read("/request") ==
	      "fx\0/x/fx.ko\0speed=fast\0\0"s + tree.path("/run/refused") + "\0"s);

	// The real helper: a file that is not there may be there on the next attempt.
	KernelBackend real(false, builtHelper());
	CHECK(real.rememberRefusalsIn(tree.path("/run/refused-real")));
	CHECK(real.makeWorker()->insert({"nosuch", "/nonexistent/nosuch.ko", {}, {}}, message) ==
	      -ENOENT);
	CHECK_FALSE(std::filesystem::exists(tree.path("/run/refused-real")));
}

TEST_CASE("given a helper that dies, the insert should fail with that said, and the next one "
	  "start a new helper")
{
	TempTree tree;
	KernelBackend backend(false, scriptHelper(tree, "exit 0"));
	auto worker = backend.makeWorker();
	std::string message;
	CHECK(worker->insert({"m", "/x/m.ko", {}, {}}, message) == -EPIPE);
	CHECK(message.find("insert helper went away") != std::string::npos);
	message.clear();
	CHECK(worker->insert({"m", "/x/m.ko", {}, {}}, message) == -EPIPE);

	KernelBackend missing(false, tree.path("/no-helper"));
	CHECK(missing.makeWorker()->insert({"m", "/x/m.ko", {}, {}}, message) == -ENOENT);
	CHECK(message.find("cannot start") != std::string::npos);
}

namespace {

// The PIDs of the helpers a counting stand-in started, in order (it writes its own, then runs the
// built helper in its place).
std::vector<pid_t> startedHelpers(const TempTree &tree)
{
	std::ifstream in(tree.path("/started"));
	std::vector<pid_t> pids;
	for (pid_t pid; in >> pid;)
		pids.push_back(pid);
	return pids;
}

// Waits until COUNT helpers have started (or the bound passes).
std::vector<pid_t> waitStarted(const TempTree &tree, size_t count)
{
	auto deadline = std::chrono::steady_clock::now() + kBound;
	std::vector<pid_t> pids = startedHelpers(tree);
	while (pids.size() < count && std::chrono::steady_clock::now() < deadline) {
		std::this_thread::sleep_for(5ms);
		pids = startedHelpers(tree);
	}
	return pids;
}

// Whether PID has exited (a zombie counts: its files are closed) or is gone.
bool exited(pid_t pid)
{
	std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
	std::string text;
	if (!std::getline(stat, text))
		return true;
	size_t paren = text.rfind(')');
	return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] == 'Z';
}

} // namespace

TEST_CASE("given prepared helpers, the first workers should take them rather than start their own")
{
	TempTree tree;
	KernelBackend backend(false, scriptHelper(tree, "echo $$ >>" + tree.path("/started") +
								"; exec " + builtHelper()));
	backend.prepare(2);
	CHECK(waitStarted(tree, 2).size() == 2);
	auto first = backend.makeWorker();
	auto second = backend.makeWorker();
	std::string message;
	CHECK(first->insert({"a", "/nonexistent/a.ko", {}, {}}, message) == -ENOENT);
	CHECK(second->insert({"b", "/nonexistent/b.ko", {}, {}}, message) == -ENOENT);
	CHECK(startedHelpers(tree).size() == 2);
	// None left: a third worker starts its own.
	CHECK(backend.makeWorker()->insert({"c", "/nonexistent/c.ko", {}, {}}, message) == -ENOENT);
	CHECK(startedHelpers(tree).size() == 3);
}

TEST_CASE("given a prepared helper that died before its first request, the insert should go to "
	  "a new one")
{
	TempTree tree;
	// The first one exits at once; those after it are the built helper.
	KernelBackend backend(false,
			      scriptHelper(tree, "echo $$ >>" + tree.path("/started") + "\n[ -e " +
							 tree.path("/died") + " ] || { touch " +
							 tree.path("/died") + "; exit 0; }\nexec " +
							 builtHelper()));
	backend.prepare(1);
	std::vector<pid_t> started = waitStarted(tree, 1);
	REQUIRE(started.size() == 1);
	auto deadline = std::chrono::steady_clock::now() + kBound;
	while (!exited(started[0]) && std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(5ms);
	REQUIRE(exited(started[0]));
	std::string message;
	CHECK(backend.makeWorker()->insert({"a", "/nonexistent/a.ko", {}, {}}, message) == -ENOENT);
	CHECK(message.empty());
	CHECK(startedHelpers(tree).size() == 2);
}

TEST_CASE("given prepared helpers no worker took, the backend should end them as it goes")
{
	TempTree tree;
	std::vector<pid_t> started;
	{
		KernelBackend backend(false,
				      scriptHelper(tree, "echo $$ >>" + tree.path("/started") +
								 "; exec " + builtHelper()));
		backend.prepare(3);
		started = waitStarted(tree, 3);
	}
	REQUIRE(started.size() == 3);
	for (pid_t pid : started) // reaped: not even a zombie is left
		CHECK(kill(pid, 0) == -1);
}

TEST_CASE("given a helper that never answers, the pool should time the insert out and abandon "
	  "it at the end without waiting")
{
	TempTree tree;
	// Reads nothing and answers nothing, as a helper inside a hung init.
	KernelBackend backend(
		false, scriptHelper(tree, "echo $$ >" + tree.path("/pid") + "; exec sleep 600"));
	auto pool = std::make_unique<WorkerPool>(backend, 1, 100ms);
	pool->submit(0, {"hung", "/x/hung.ko", {}, {}});
	std::vector<InsertResult> results;
	auto deadline = std::chrono::steady_clock::now() + kBound;
	while (results.empty() && std::chrono::steady_clock::now() < deadline) {
		results = pool->takeResults();
		std::this_thread::sleep_for(5ms);
	}
	REQUIRE(results.size() == 1);
	CHECK(results[0].when == InsertResult::When::TimedOut);
	auto gone = std::async(std::launch::async, [&] { pool.reset(); });
	CHECK(gone.wait_for(kBound) == std::future_status::ready);
	// The stand-in helper is still there, as a hung one would be; it is ours to end here.
	std::ifstream pidFile(tree.path("/pid"));
	pid_t helper = 0;
	REQUIRE(pidFile >> helper);
	CHECK(kill(helper, 0) == 0);
	kill(helper, SIGKILL);
}

TEST_CASE("given no socket, the helper should refuse to run")
{
	std::string cmd = builtHelper() + " 3>&- 2>/dev/null";
	int status = std::system(cmd.c_str());
	REQUIRE(WIFEXITED(status));
	CHECK(WEXITSTATUS(status) == 2);
}

TEST_CASE("given EEXIST for a module the kernel does not have, the insert should be a refusal "
	  "for want of a device, not 'already loaded'")
{
	TempTree tree;
	// Answers -17 (EEXIST, little-endian int32) to one request, then waits for the end.
	KernelBackend backend(false, scriptHelper(tree, "dd bs=65536 count=1 <&3 >/dev/null "
							"2>&1; printf '\\357\\377\\377\\377' >&3; "
							"cat <&3 >/dev/null"));
	std::string message;
	CHECK(backend.makeWorker()->insert({"fx_not_in_this_kernel", "/x/fx.ko", {}, {}},
					   message) == -ENODEV);
	CHECK(message.find("answered EEXIST") != std::string::npos);
	// A module the kernel has (this host has /sys/module for its built-in parameters): EEXIST
	// stays "already there".
	std::string present;
	for (const auto &entry : std::filesystem::directory_iterator("/sys/module")) {
		present = entry.path().filename().string();
		break;
	}
	REQUIRE_FALSE(present.empty());
	message.clear();
	CHECK(backend.makeWorker()->insert({present, "/x/p.ko", {}, {}}, message) == -EEXIST);
	CHECK(message.empty());
}

namespace {

// A stand-in helper that takes one request, logs LINES to the kernel log KMSG (records in
// /dev/kmsg's format, "$$" its own PID; each line is printf's format) and answers ANSWER (an int32,
// little-endian, as octal escapes for printf).
std::string loggingHelper(const TempTree &tree, const std::string &kmsg,
			  const std::vector<std::string> &lines, const std::string &answer)
{
	std::string body = "dd bs=65536 count=1 <&3 >/dev/null 2>&1\n";
	for (const std::string &line : lines)
		body += "printf \"" + line + "\\n\" >>" + kmsg + "\n";
	body += "printf '" + answer + "' >&3\ncat <&3 >/dev/null";
	return scriptHelper(tree, body);
}

} // namespace

TEST_CASE("given the kernel's signature and lockdown lines during an insert, the failure "
	  "should carry those of its helper")
{
	TempTree tree;
	std::string kmsg = tree.path("/kmsg");
	// Before the insert: not its lines.
	tree.write("/kmsg", "5,1,100,-;Lockdown: helper: unsigned module loading is restricted; "
			    "see man kernel_lockdown.7\n");
	const std::string lockdown =
		"unsigned module loading is restricted; see man kernel_lockdown.7";
	std::string message;

	SECTION("lockdown, named by the helper's comm (the stand-in is called 'helper')")
	{
		KernelBackend backend(
			false,
			loggingHelper(tree, kmsg,
				      {"5,10,200,-;Lockdown: helper: " + lockdown,
				       "5,11,201,-;Lockdown: modprobe: " + lockdown,
				       "4,12,202,-;other_mod: Unknown symbol x (err -2)",
				       "5,13,203,-;unsigned_mod: probe deferred\\n "
				       "SUBSYSTEM=pci"},
				      "\\377\\377\\377\\377"), // -EPERM
			kmsg);
		CHECK(backend.makeWorker()->insert({"unsigned_mod", "/x/u.ko", {}, {}}, message) ==
		      -EPERM);
		CHECK(message ==
		      "Lockdown: helper: " + lockdown + "\nunsigned_mod: probe deferred");
	}

	SECTION("a rejected signature, told by the caller's thread")
	{
		KernelBackend backend(
			false,
			loggingHelper(
				tree, kmsg,
				{"5,20,300,-,caller=T$$;PKCS#7 signature not signed with a "
				 "trusted key",
				 "5,21,301,-,caller=T$$;Loading of module with unavailable key is "
				 "rejected",
				 "5,22,302,-,caller=T1;Loading of unsigned module is rejected"},
				"\\177\\377\\377\\377"), // -EKEYREJECTED
			kmsg);
		CHECK(backend.makeWorker()->insert({"signed_mod", "/x/s.ko", {}, {}}, message) ==
		      -EKEYREJECTED);
		CHECK(message == "PKCS#7 signature not signed with a trusted key\nLoading of "
				 "module with unavailable key is rejected");
	}

	SECTION("an invalid ELF file")
	{
		KernelBackend backend(false,
				      loggingHelper(tree, kmsg,
						    {"3,30,400,-;Invalid ELF header magic: != ELF"},
						    "\\370\\377\\377\\377"), // -ENOEXEC
				      kmsg);
		CHECK(backend.makeWorker()->insert({"elf_mod", "/x/e.ko", {}, {}}, message) ==
		      -ENOEXEC);
		CHECK(message == "Invalid ELF header magic: != ELF");
	}

	SECTION("a line that explains another failure than this one's")
	{
		KernelBackend backend(
			false,
			loggingHelper(tree, kmsg,
				      {"5,40,500,-;Lockdown: helper: " + lockdown,
				       "5,41,501,-;Loading of unsigned module is rejected"},
				      "\\376\\377\\377\\377"), // -ENOENT
			kmsg);
		CHECK(backend.makeWorker()->insert({"gone_mod", "/x/g.ko", {}, {}}, message) ==
		      -ENOENT);
		CHECK(message.empty());
	}
}
