// The modloadd executable end to end on a fixture root with the simulated backend: exit status,
// journal lines, and the sd_notify protocol over a real NOTIFY_SOCKET.
#include "tree_support.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace modloadd::testing;

namespace {

std::string daemonBinary()
{
	return builtBinary("MODLOADD_BINARY");
}

std::string ctlBinary()
{
	return builtBinary("MODLOADCTL_BINARY");
}

struct Root : FixtureRoot {
	std::string runOnce(const std::string &extra, int &status)
	{
		return capture(
			fmt::format("'{}' --once --root '{}' --kernel {} --backend simulated "
				    "--log-target console {} 2>&1",
				    daemonBinary(), dir.root(), kFixtureKernel, extra),
			status);
	}
};

// A NOTIFY_SOCKET for a daemon under test: the datagrams it sent, in order.
struct NotifySocket {
	explicit NotifySocket(std::string where) : path(std::move(where))
	{
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		REQUIRE(fd >= 0);
		sockaddr_un addr{};
		addr.sun_family = AF_UNIX;
		REQUIRE(path.size() < sizeof(addr.sun_path));
		strcpy(addr.sun_path, path.c_str());
		REQUIRE(bind(fd, reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) == 0);
	}
	~NotifySocket() { close(fd); }
	NotifySocket(const NotifySocket &) = delete;
	NotifySocket &operator=(const NotifySocket &) = delete;

	// Collects datagrams until one contains WANT, bounded by 20 s.
	bool receive(const std::string &want)
	{
		for (int i = 0; i < 200; i++) {
			pollfd p{fd, POLLIN, 0};
			if (poll(&p, 1, 100) <= 0)
				continue;
			char buf[4096];
			ssize_t n = recv(fd, buf, sizeof(buf), 0);
			if (n <= 0)
				continue;
			messages.emplace_back(buf, static_cast<size_t>(n));
			if (messages.back().find(want) != std::string::npos)
				return true;
		}
		return false;
	}

	std::string path;
	int fd = -1;
	std::vector<std::string> messages;
};

// The daemon in the background with NOTIFY_SOCKET, serving unless EXTRA says --once; standard
// error discarded.
pid_t startNotifying(const std::string &root, const NotifySocket &notify,
		     const std::vector<std::string> &extra = {})
{
	std::vector<std::string> args{daemonBinary(), "--root",	      root,
				      "--kernel",     kFixtureKernel, "--backend",
				      "simulated",    "--log-target", "console"};
	args.insert(args.end(), extra.begin(), extra.end());
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		setenv("NOTIFY_SOCKET", notify.path.c_str(), 1);
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, STDERR_FILENO);
		std::vector<char *> argv;
		for (std::string &a : args)
			argv.push_back(a.data());
		argv.push_back(nullptr);
		execv(argv[0], argv.data());
		_exit(127);
	}
	return pid;
}

} // namespace

TEST_CASE("given modules-load.d with shared dependencies, we should insert each module once")
{
	Root root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\nfx_dia_top\nfx-chain-b\n");
	root.dir.write("etc/modules-load.d/b.conf", "fx_dia_left\nfx_chain_a\n");
	int status = 0;
	std::string out = root.runOnce("--workers 3", status);
	INFO(out);
	CHECK(status == 0);
	for (auto m : {"fx_chain_a", "fx_chain_b", "fx_chain_c", "fx_dia_top", "fx_dia_left",
		       "fx_dia_right", "fx_dia_base"})
		CHECK(occurrences(out, fmt::format("Inserted module '{}'", m)) == 1);
	CHECK(out.find("Loaded 7 modules (0 already loaded, 0 builtin)") != std::string::npos);
}

TEST_CASE("given a failing module, we should report it, load the rest, and exit 1 with --once")
{
	Root root;
	root.dir.write("etc/modules-load.d/a.conf",
		       "fx_chain_a\nfx_dia_top\nnot_a_module\nbad/line\n");
	root.dir.write("script", "fx_chain_b:0:ENOEXEC\nfx_dia_base:0:0\n");
	int status = 0;
	std::string out =
		root.runOnce("--simulation-script '" + root.dir.root() + "/script'", status);
	INFO(out);
	CHECK(status == 1);
	CHECK(out.find("Failed to insert module 'fx_chain_b': Exec format error") !=
	      std::string::npos);
	CHECK(out.find("Did not insert module 'fx_chain_a': dependency 'fx_chain_b' failed (Exec "
		       "format error)") != std::string::npos);
	CHECK(out.find("Inserted module 'fx_dia_top'") != std::string::npos);
	CHECK(out.find("Module 'not_a_module' not found") != std::string::npos);
	CHECK(out.find("/etc/modules-load.d/a.conf:4:") != std::string::npos);
	CHECK(out.find("2 failed: fx_chain_b, fx_chain_a") != std::string::npos);
}

TEST_CASE("given only missing and no-device modules, we should not fail the run")
{
	Root root;
	root.dir.write("etc/modules-load.d/a.conf", "not_a_module\nfx_chain_c\n");
	root.dir.write("script", "fx_chain_c:0:ENODEV\n");
	int status = 0;
	std::string out =
		root.runOnce("--simulation-script '" + root.dir.root() + "/script'", status);
	INFO(out);
	CHECK(status == 0);
	CHECK(out.find("Module 'fx_chain_c' found no device to drive") != std::string::npos);
}

TEST_CASE("given a dependency's file removed after depmod, we should say so once with the fix "
	  "and attempt none of its users")
{
	Root root;
	root.removeAfterDepmod("fx_chain_c.ko");
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\nfx_dia_top\nfx_chain_b\n");
	int status = 0;
	std::string out = root.runOnce("", status);
	INFO(out);
	CHECK(status == 1);
	CHECK(out.find("libkmod") == std::string::npos);
	CHECK(occurrences(out, "/lib/modules/6.1.0-fixture/modules.dep: out of date") == 1);
	CHECK(out.find("(/lib/modules/6.1.0-fixture/kernel/drivers/fixture/fx_chain_c.ko); run "
		       "depmod -a 6.1.0-fixture") != std::string::npos);
	CHECK(out.find("Inserted module 'fx_chain_a'") == std::string::npos);
	CHECK(out.find("Inserted module 'fx_chain_b'") == std::string::npos);
	CHECK(out.find("Did not insert module 'fx_chain_b': dependency 'fx_chain_c' is missing: "
		       "/lib/modules/6.1.0-fixture/kernel/drivers/fixture/fx_chain_c.ko is listed "
		       "in modules.dep but does not exist: run depmod -a 6.1.0-fixture") !=
	      std::string::npos);
	CHECK(out.find("Inserted module 'fx_dia_top'") != std::string::npos);
}

TEST_CASE("given the kernel backend and modules the kernel cannot take, we should report the "
	  "kernel's refusal per module and carry on")
{
	// The fixture .ko files are not loadable by any kernel: one without module support answers
	// ENOSYS, one with it ENOEXEC (or EPERM without CAP_SYS_MODULE). Each way, the real
	// insertion path runs and every failure is classified and reported.
	Root root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\nfx_dia_base\n");
	int status = 0;
	std::string out =
		capture(fmt::format("'{}' --once --root '{}' --kernel {} --backend kernel "
				    "--log-target console 2>&1",
				    daemonBinary(), root.dir.root(), kFixtureKernel),
			status);
	INFO(out);
	CHECK(status == 1);
	CHECK(occurrences(out, "Failed to insert module 'fx_chain_c': ") == 1);
	CHECK(occurrences(out, "Failed to insert module 'fx_dia_base': ") == 1);
	CHECK(out.find("dependency 'fx_chain_b' failed") != std::string::npos);
	CHECK(out.find("Did not insert module 'fx_chain_a': dependency 'fx_chain_b' failed") !=
	      std::string::npos);
	CHECK(out.find("4 failed: ") != std::string::npos);
	bool knownReason = out.find("Function not implemented") != std::string::npos ||
			   out.find("Exec format error") != std::string::npos ||
			   out.find("Operation not permitted") != std::string::npos;
	CHECK(knownReason);
}

TEST_CASE("given a root without modules, we should fail clearly")
{
	TempDir empty;
	int status = 0;
	std::string out = capture(fmt::format("'{}' --once --root '{}' --log-target console 2>&1",
					      daemonBinary(), empty.root()),
				  status);
	CHECK(status == 1);
	CHECK(out.find("Cannot plan module loading") != std::string::npos);
}

TEST_CASE("given NOTIFY_SOCKET, we should send READY=1 with the summary, RELOADING=1 and READY=1 "
	  "on SIGHUP, then STOPPING=1 on SIGTERM")
{
	Root root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\nnot_a_module\n");
	NotifySocket notify(root.dir.root() + "/notify");

	pid_t pid = startNotifying(root.dir.root(), notify);
	std::vector<std::string> &messages = notify.messages;
	auto receive = [&](const std::string &want) { return notify.receive(want); };
	bool ready = receive("READY=1");
	CHECK(ready);
	if (ready) {
		// READY=1 once the lists have settled; the summary once the devices' modules have
		// too (this root has no device: at once).
		CHECK(receive("STATUS=Loaded 3 modules (0 already loaded, 0 builtin, 1 not "
			      "found)"));
		// Still running after READY: it is a daemon.
		int status = 0;
		CHECK(waitpid(pid, &status, WNOHANG) == 0);
		bool progress = false;
		for (const std::string &m : messages)
			progress |= m.find("STATUS=Loading modules:") != std::string::npos;
		CHECK(progress);

		// A reload is announced, with the time systemd wants, and ends with READY=1.
		kill(pid, SIGHUP);
		bool reloading = receive("RELOADING=1");
		CHECK(reloading);
		if (reloading)
			CHECK(messages.back().find("\nMONOTONIC_USEC=") != std::string::npos);
		CHECK(receive("READY=1"));
	}
	kill(pid, SIGTERM);
	CHECK(receive("STOPPING=1"));
	int status = 0;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK(status == 0);
}

TEST_CASE("given modules_disabled=1, we should say so once, attempt nothing and be ready at once")
{
	Root root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\nfx_dia_top\n");
	root.dir.write("proc/sys/kernel/modules_disabled", "1\n");
	int status = 0;
	std::string out = root.runOnce("", status);
	INFO(out);
	CHECK(status == 0);
	CHECK(occurrences(out, "Module loading is disabled") == 1);
	CHECK(occurrences(out, "module '") == 0); // no outcome, no attempt
	CHECK(out.find("Loaded") == std::string::npos);

	// Serving: READY=1 first of all, a reload ends at once, SIGTERM stops it.
	NotifySocket notify(root.dir.root() + "/notify");
	pid_t pid = startNotifying(root.dir.root(), notify);
	REQUIRE(notify.receive("READY=1"));
	CHECK(notify.messages.size() == 1);
	CHECK(notify.messages[0].find("STATUS=Module loading is disabled") != std::string::npos);
	// modloadctl status says so (the state is written just after READY=1).
	std::string shown;
	status = -1;
	for (int i = 0; i < 100 && status != 0; i++, poll(nullptr, 0, 50))
		shown = capture(
			fmt::format("'{}' --root '{}' status 2>&1", ctlBinary(), root.dir.root()),
			status);
	INFO(shown);
	CHECK(status == 0);
	CHECK(shown.find(fmt::format("modloadd: disabled, ready (PID {})", pid)) !=
	      std::string::npos);
	CHECK(shown.find("Status: Module loading is disabled") != std::string::npos);
	kill(pid, SIGHUP);
	CHECK(notify.receive("RELOADING=1"));
	CHECK(notify.receive("READY=1"));
	kill(pid, SIGTERM);
	CHECK(notify.receive("STOPPING=1"));
	REQUIRE(waitpid(pid, &status, 0) == pid);
	CHECK(status == 0);
}

namespace {

// A root whose start cannot end: its module index is a FIFO that no one writes, as a disk that
// does not answer, so opening the index waits for as long as the test likes.
struct SlowStartRoot : Root {
	SlowStartRoot()
	{
		dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
		std::string index = ownModules() + "/modules.dep.bin";
		REQUIRE(unlink(index.c_str()) == 0);
		REQUIRE(mkfifo(index.c_str(), 0600) == 0);
	}
};

// The exit status of PID within SECONDS; nullopt (and the process killed) past them.
std::optional<int> waitExit(pid_t pid, int seconds)
{
	for (int i = 0; i < seconds * 100; i++) {
		int status = 0;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return status;
		poll(nullptr, 0, 10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, nullptr, 0);
	return std::nullopt;
}

} // namespace

TEST_CASE("given a start that reads without end, we should send WATCHDOG=1 and READY=1 at the "
	  "bound, and stop on SIGTERM")
{
	SlowStartRoot root;
	root.dir.write("etc/modloadd.conf", "[Devices]\nReadyTimeoutSec=1\n");
	NotifySocket notify(root.dir.root() + "/notify");
	setenv("WATCHDOG_USEC", "400000", 1); // WATCHDOG=1 every 200 ms
	auto begun = std::chrono::steady_clock::now();
	pid_t pid = startNotifying(root.dir.root(), notify);
	unsetenv("WATCHDOG_USEC");
	CHECK(notify.receive("WATCHDOG=1"));
	bool ready = notify.receive("READY=1");
	REQUIRE(ready);
	CHECK(std::chrono::steady_clock::now() - begun < std::chrono::seconds(10));
	CHECK(notify.messages.back().find("STATUS=Still reading the configuration") !=
	      std::string::npos);
	// The state was written before the loop ran: modloadctl sees a daemon that starts.
	int status = 0;
	std::string shown = capture(
		fmt::format("'{}' --root '{}' status 2>&1", ctlBinary(), root.dir.root()), status);
	INFO(shown);
	CHECK(status == 0);
	CHECK(shown.find("modloadd: starting, ") != std::string::npos);
	CHECK(shown.find(fmt::format("(PID {})", pid)) != std::string::npos);
	CHECK(shown.find("Modules: 0 of 0 settled") != std::string::npos);
	CHECK(notify.receive("WATCHDOG=1")); // after READY=1 too, the start still going on
	kill(pid, SIGTERM);
	CHECK(notify.receive("STOPPING=1"));
	CHECK(waitExit(pid, 10) == std::optional<int>(0));
}

TEST_CASE("given --once and a start that reads without end, SIGINT should end it with status 1")
{
	SlowStartRoot root;
	NotifySocket notify(root.dir.root() + "/notify");
	pid_t pid = startNotifying(root.dir.root(), notify, {"--once"});
	REQUIRE(notify.receive("STATUS=Reading"));
	kill(pid, SIGINT);
	std::optional<int> status = waitExit(pid, 10);
	REQUIRE(status);
	CHECK(WIFEXITED(*status));
	CHECK(WEXITSTATUS(*status) == 1);
}

namespace {

std::string readText(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream s;
	s << in.rdbuf();
	return s.str();
}

// Waits (bounded) until `path` contains `needle`; returns the text.
std::string waitForText(const std::string &path, const std::string &needle, int seconds)
{
	std::string text;
	for (int i = 0; i < seconds * 20; i++) {
		text = readText(path);
		if (text.find(needle) != std::string::npos)
			break;
		poll(nullptr, 0, 50);
	}
	return text;
}

// A real device with a modalias: (devpath without /sys, modalias).
std::pair<std::string, std::string> realDevice()
{
	for (const char *bus : {"/sys/bus/pci/devices", "/sys/bus/platform/devices"}) {
		std::error_code ec;
		for (const auto &e : std::filesystem::directory_iterator(bus, ec)) {
			std::ifstream in(e.path() / "modalias");
			std::string modalias;
			if (std::getline(in, modalias) && !modalias.empty())
				return {std::filesystem::canonical(e.path()).string().substr(4),
					modalias};
		}
	}
	FAIL("no device with a modalias on this machine");
	return {};
}

// The daemon in the background, its console log in a file.
pid_t startDaemon(const std::string &root, const std::string &log)
{
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		dup2(fd, STDERR_FILENO);
		std::string bin = daemonBinary();
		execl(bin.c_str(), bin.c_str(), "--root", root.c_str(), "--kernel", kFixtureKernel,
		      "--backend", "simulated", "--log-target", "console", nullptr);
		_exit(127);
	}
	return pid;
}

// SIGTERM, then the daemon's exit status and its whole log (up to its last line).
std::pair<int, std::string> stopDaemon(pid_t pid, const std::string &log)
{
	kill(pid, SIGTERM);
	int status = 0;
	REQUIRE(waitpid(pid, &status, 0) == pid);
	return {status, waitForText(log, "Stopping:", 5)};
}

void writeUevent(const std::string &devpath, const char *action)
{
	std::ofstream trigger("/sys" + devpath + "/uevent");
	trigger << action;
}

} // namespace

TEST_CASE("given devices in sysfs, we should load what their modaliases resolve to, once each")
{
	Root root;
	const std::string virtio = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
	root.addDevice("/devices/pci0000:00/0000:00:03.0", "pci",
		       "DRIVER=\nPCI_CLASS=20000\nMODALIAS=" + virtio + "\n");
	root.addDevice("/devices/pci0000:00/0000:00:04.0", "pci", "MODALIAS=" + virtio + "\n");
	root.addDevice("/devices/pci0000:00/0000:00:05.0", "pci",
		       "MODALIAS=pci:v0000DEADd0000BEEFsv00000000sd00000000bc00sc00i00\n");
	root.addDevice("/devices/pci0000:00/0000:00:06.0/host0/target0:0:0/0:0:0:0", "scsi",
		       "DEVTYPE=scsi_device\n");
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\n");
	int status = 0;
	std::string out = root.runOnce("", status);
	INFO(out);
	CHECK(status == 0);
	// Devices join as the walk finds them: the entry names whichever of the two came first.
	CHECK(occurrences(out, "Inserted module 'fx_alias' (") == 1);
	CHECK(occurrences(out,
			  "Inserted module 'fx_alias' (device /devices/pci0000:00/0000:00:03.0 (" +
				  virtio + ")") +
		      occurrences(out, "Inserted module 'fx_alias' (device "
				       "/devices/pci0000:00/0000:00:04.0 (" +
					       virtio + ")") ==
	      1);
	CHECK(occurrences(out, "Inserted module 'fx_chain_a' (") == 1);
	// Neither the unclaimed device nor sg (not in this tree) is anybody's error.
	CHECK(out.find("not found") == std::string::npos);
	CHECK(out.find("Loaded 4 modules (0 already loaded, 0 builtin)") != std::string::npos);

	root.dir.write("etc/modloadd.conf", "[Devices]\nColdplug=no\n");
	std::string noDevices = root.runOnce("", status);
	CHECK(noDevices.find("fx_alias") == std::string::npos);
}

TEST_CASE("given a device the real kernel announces after start, we should load its module and "
	  "name the device")
{
	// The kernel emits "add" for any device whose uevent file root writes "add" to; an alias
	// in the root's modprobe.d maps that device's real modalias to a fixture module.
	// Root is needed for that (CI runs as root); failing says so instead of passing quietly.
	REQUIRE(geteuid() == 0);
	auto [devpath, modalias] = realDevice();
	Root root;
	root.dir.write("etc/modprobe.d/test.conf", "alias " + modalias + " fx_dia_top\n");
	root.dir.write("etc/modloadd.conf", "[Devices]\nColdplug=no\n");
	std::string log = root.dir.root() + "/daemon.log";
	pid_t pid = startDaemon(root.dir.root(), log);
	// Ready means the socket is bound: the summary line comes after it.
	std::string text = waitForText(log, "Loaded 0 modules", 20);
	REQUIRE(text.find("Loaded 0 modules") != std::string::npos);
	writeUevent(devpath, "add");
	text = waitForText(log, "Inserted module 'fx_dia_top'", 20);
	auto [status, stopped] = stopDaemon(pid, log);
	text = stopped;
	INFO(text);
	CHECK(occurrences(text,
			  fmt::format("Inserted module 'fx_dia_top' (device {} (", devpath)) == 1);
	CHECK(occurrences(text, "Inserted module 'fx_dia_base'") == 1);
	CHECK(text.find("Stopping: ") != std::string::npos);
	CHECK(WIFEXITED(status));
	CHECK(status == 0);
}

TEST_CASE("given a receive buffer that overflows, we should rescan sysfs and miss no device")
{
	REQUIRE(geteuid() == 0); // see above
	auto [devpath, modalias] = realDevice();
	Root root;
	// The real device, copied into the root's sysfs (a root's links stay inside it, so /sys
	// itself cannot be linked in): the rescan walks the root, the uevents are the machine's.
	for (const char *file : {"uevent", "modalias"})
		root.dir.write("sys" + devpath + "/" + file,
			       readFile("/sys" + devpath + "/" + file));
	root.dir.symlink(std::filesystem::read_symlink("/sys" + devpath + "/subsystem").string(),
			 "sys" + devpath + "/subsystem");
	root.dir.write("etc/modprobe.d/test.conf", "alias " + modalias + " fx_chain_a\n");
	root.dir.write("etc/modloadd.conf", "[Devices]\nColdplug=no\nReceiveBuffer=64K\n");
	std::string log = root.dir.root() + "/daemon.log";
	pid_t pid = startDaemon(root.dir.root(), log);
	std::string text = waitForText(log, "Loaded 0 modules", 20);
	REQUIRE(text.find("Loaded 0 modules") != std::string::npos);

	// Stopped, the daemon reads nothing: a few thousand events overflow 64 KiB, and the
	// device's "add" comes last, after the kernel has started dropping.
	kill(pid, SIGSTOP);
	for (int i = 0; i < 3000; i++)
		writeUevent(devpath, "change");
	writeUevent(devpath, "add");
	kill(pid, SIGCONT);

	text = waitForText(log, "Inserted module 'fx_chain_a'", 20);
	auto [status, stopped] = stopDaemon(pid, log);
	text = stopped;
	INFO(text);
	CHECK(text.find("The uevent socket overflowed (ENOBUFS)") != std::string::npos);
	CHECK(text.find("Rescanned /sys/devices after lost uevents") != std::string::npos);
	CHECK(occurrences(text,
			  fmt::format("Inserted module 'fx_chain_a' (device {} (", devpath)) == 1);
	CHECK(occurrences(text, "Inserted module 'fx_chain_c'") == 1);
	CHECK(WIFEXITED(status));
}

TEST_CASE("given rules, we should load what the rules that hold name, and say why for each")
{
	Root root;
	root.dir.write("etc/marker", "x");
	root.dir.write(
		"etc/modloadd/rules.d/10-path.rules",
		"[Rule]\nDescription=marker present\n[Match]\nConditionPathExists=/etc/marker\n"
		"[Load]\nModules=fx_dia_top fx_not_installed\n");
	root.dir.write("etc/modloadd/rules.d/20-never.rules",
		       "[Match]\nConditionPathExists=/etc/nothing\n[Load]\nModules=fx_soft\n");
	// A device rule, with a glob: the virtio device below is present.
	root.dir.write("usr/lib/modloadd/rules.d/30-device.rules",
		       "[Match]\nConditionPCIDevice=1af4:1000:02*\n[Load]\nModules=fx_chain_*\n");
	// Its negation must wait for the devices: with none known yet it would hold.
	root.dir.write("usr/lib/modloadd/rules.d/40-no-device.rules",
		       "[Match]\nConditionPCIDevice=!1af4\n[Load]\nModules=fx_twin_a\n");
	root.dir.write("etc/modloadd/rules.d/50-broken.rules",
		       "[Match]\nConditionNoSuchThing=1\n[Load]\nModules=fx_twin_b\n");
	root.addDevice("/devices/pci0000:00/0000:00:03.0", "pci",
		       "MODALIAS=pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00\n");
	int status = 0;
	std::string out = root.runOnce("", status);
	INFO(out);
	CHECK(status == 0);
	CHECK(occurrences(out,
			  "Inserted module 'fx_dia_top' (/etc/modloadd/rules.d/10-path.rules:6)") ==
	      1);
	CHECK(occurrences(out, "Rule '10-path' holds (marker present): 1 modules to load") == 1);
	CHECK(occurrences(out, "/etc/modloadd/rules.d/10-path.rules:6: Rule '10-path': module "
			       "'fx_not_installed' is not installed, skipped") == 1);
	CHECK(occurrences(out, "fx_soft'") == 0);
	for (auto m : {"fx_chain_a", "fx_chain_b", "fx_chain_c"})
		CHECK(occurrences(out, fmt::format("Inserted module '{}' (", m)) == 1);
	CHECK(occurrences(out, "Inserted module 'fx_chain_a' "
			       "(/usr/lib/modloadd/rules.d/30-device.rules:4)") == 1);
	CHECK(occurrences(out, "fx_twin_a") == 0);
	CHECK(occurrences(out, "/etc/modloadd/rules.d/50-broken.rules:2: Unknown condition "
			       "'ConditionNoSuchThing', ignoring") == 1);
	CHECK(occurrences(out, "fx_twin_b") == 0);
}

TEST_CASE("given configuration files, modloadctl verify should name every problem and fail")
{
	std::string ctl = ctlBinary();
	Root root;
	root.dir.write("etc/modloadd/rules.d/good.rules",
		       "[Match]\nConditionVirtualization=vm\n[Load]\nModules=a b*\n");
	root.dir.write("etc/modules-load.d/good.conf", "fx_chain_a\n");
	int status = 0;
	std::string out =
		capture(fmt::format("'{}' --root '{}' verify 2>&1", ctl, root.dir.root()), status);
	INFO(out);
	CHECK(status == 0);
	CHECK(out.find("2 files checked, 0 problems") != std::string::npos);

	root.dir.write("etc/modloadd/rules.d/bad.rules",
		       "[Match]\nConditionPCIDevice=zz\nConditionFoo=1\n[Load]\nModules=a\n");
	root.dir.write("etc/modules-load.d/bad.conf", "fx_chain_a\nbad/name\n");
	root.dir.write("etc/modloadd.conf", "[Load]\nWorkers=many\n");
	out = capture(fmt::format("'{}' --root '{}' verify 2>&1", ctl, root.dir.root()), status);
	INFO(out);
	CHECK(status == 1);
	CHECK(out.find("/etc/modloadd/rules.d/bad.rules:2: Invalid ConditionPCIDevice= value "
		       "'zz'") != std::string::npos);
	CHECK(out.find("/etc/modloadd/rules.d/bad.rules:3: Unknown condition 'ConditionFoo'") !=
	      std::string::npos);
	CHECK(out.find("/etc/modules-load.d/bad.conf:2: ") != std::string::npos);
	CHECK(out.find("/etc/modloadd.conf:2: Invalid Workers= value 'many'") != std::string::npos);
	CHECK(out.find("5 files checked, 4 problems") != std::string::npos);
	out = capture(fmt::format("'{}' --root '{}' verify --json", ctl, root.dir.root()), status);
	INFO(out);
	CHECK(status == 1);
	auto doc = nlohmann::json::parse(out);
	CHECK(doc["files_checked"] == 5);
	REQUIRE(doc["problems"].size() == 4);
	CHECK(doc["problems"][0]["file"].is_string());
	size_t workers = 0;
	for (const auto &p : doc["problems"])
		if (p["file"] == "/etc/modloadd.conf" && p["line"] == 2 &&
		    p["message"].get<std::string>().find("Invalid Workers= value 'many'") == 0)
			workers++;
	CHECK(workers == 1);

	// Files named on the command line, by kind; a missing one is a problem too.
	out = capture(fmt::format("'{}' verify '{}' '{}' 2>&1", ctl,
				  root.dir.path("/etc/modloadd/rules.d/good.rules"),
				  root.dir.path("/nonexistent.rules")),
		      status);
	INFO(out);
	CHECK(status == 1);
	CHECK(out.find("2 files checked, 1 problems") != std::string::npos);
}

namespace {

double secondsSince(std::chrono::steady_clock::time_point start)
{
	return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

TEST_CASE("given a drop-in written while it runs, the daemon should load its module without "
	  "being asked")
{
	Root root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
	std::string log = root.dir.root() + "/log";
	pid_t pid = startDaemon(root.dir.root(), log);
	REQUIRE(waitForText(log, "Loaded 1 modules", 20).find("Loaded 1 modules") !=
		std::string::npos);

	// A new modules-load.d file: its module is loaded, the file and line named.
	auto written = std::chrono::steady_clock::now();
	root.dir.write("etc/modules-load.d/b.conf", "# late\nfx_dia_base\n");
	std::string text = waitForText(log, "Inserted module 'fx_dia_base'", 10);
	double latency = secondsSince(written);
	INFO(text);
	CHECK(text.find("Inserted module 'fx_dia_base' (/etc/modules-load.d/b.conf:2)") !=
	      std::string::npos);
	WARN(fmt::format("drop-in written -> module inserted: {:.3f} s", latency));
	text = waitForText(log, "Reloaded the configuration", 5);
	CHECK(text.find("Reloaded the configuration (a change in /etc/modules-load.d): 1 modules "
			"new to this run") != std::string::npos);

	// A rule in a directory that did not exist at start; and an editor's side file, ignored.
	root.dir.write("etc/modloadd/rules.d/.late.rules.swp", "junk");
	root.dir.write("etc/modloadd/rules.d/late.rules", "[Load]\nModules=fx_dia_top\n");
	text = waitForText(log, "Inserted module 'fx_dia_top'", 10);
	INFO(text);
	CHECK(occurrences(text, "Rule 'late' holds: 1 modules to load") == 1);
	CHECK(text.find("Inserted module 'fx_dia_top' (/etc/modloadd/rules.d/late.rules:2)") !=
	      std::string::npos);

	// A broken line in a new file: reported with file and line, the daemon goes on.
	root.dir.write("etc/modules-load.d/c.conf", "bad/name\n");
	text = waitForText(log, "/etc/modules-load.d/c.conf:1:", 10);
	CHECK(text.find("/etc/modules-load.d/c.conf:1:") != std::string::npos);

	auto [status, all] = stopDaemon(pid, log);
	INFO(all);
	CHECK(WIFEXITED(status));
	CHECK(WEXITSTATUS(status) == 0);
	CHECK(occurrences(all, "Inserted module 'fx_chain_c'") == 1); // each module once, still
	CHECK(occurrences(all, "Inserted module 'fx_dia_base'") == 1);
	CHECK(occurrences(all, "SIGHUP") == 0);
}

TEST_CASE("given the watch turned off, modloadctl reload should re-read the configuration and "
	  "return once what is new is loaded")
{
	Root root;
	root.dir.write("etc/modloadd.conf", "[Load]\nWatchConfiguration=no\n");
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
	std::string log = root.dir.root() + "/log";
	pid_t pid = startDaemon(root.dir.root(), log);
	REQUIRE(waitForText(log, "Loaded 1 modules", 20).find("Loaded 1 modules") !=
		std::string::npos);

	root.dir.write("etc/modules-load.d/b.conf", "fx_dia_base\n");
	root.dir.write("etc/modloadd/rules.d/r.rules", "[Load]\nModules=fx_dia_top\n");
	root.dir.write("etc/modloadd.conf.d/workers.conf", "[Load]\nWorkers=3\n");
	poll(nullptr, 0, 500);
	CHECK(readText(log).find("fx_dia_base") == std::string::npos); // not watched

	int status = 0;
	std::string out = capture(fmt::format("'{}' --root '{}' reload --pid {} --timeout 20 2>&1",
					      ctlBinary(), root.dir.root(), pid),
				  status);
	INFO(out);
	CHECK(status == 0);
	// Returned after the reload finished: everything it caused is in the log already.
	std::string text = readText(log);
	INFO(text);
	CHECK(text.find("Inserted module 'fx_dia_base' (/etc/modules-load.d/b.conf:1") !=
	      std::string::npos);
	CHECK(text.find("Inserted module 'fx_dia_top' (/etc/modloadd/rules.d/r.rules:2)") !=
	      std::string::npos);
	CHECK(text.find("Reloaded the configuration (SIGHUP from modloadctl[") !=
	      std::string::npos);
	CHECK(text.find("): 4 modules new to this run") != std::string::npos); // with 2 deps
	CHECK(text.find("Workers= changed in modloadd.conf; it takes effect when modloadd "
			"restarts") != std::string::npos);
	std::string record = readText(root.dir.path("/run/modloadd/reloaded"));
	CHECK(record.find("generation 1\n") != std::string::npos);
	CHECK(record.find(fmt::format("daemon {}\n", pid)) != std::string::npos);

	// Nothing new: a reload all the same, and the next generation; JSON names it.
	out = capture(fmt::format("'{}' --root '{}' reload --pid {} --json", ctlBinary(),
				  root.dir.root(), pid),
		      status);
	INFO(out);
	CHECK(status == 0);
	auto answer = nlohmann::json::parse(out);
	CHECK(answer["reloaded"] == true);
	CHECK(answer["daemon"] == pid);
	CHECK(answer["generation"] == 2);
	CHECK(answer["requested_by"].size() >= 1);
	CHECK(readText(log).find("0 modules new to this run") != std::string::npos);
	record = readText(root.dir.path("/run/modloadd/reloaded"));
	CHECK(record.find("generation 2\n") != std::string::npos);

	auto [stopped, all] = stopDaemon(pid, log);
	INFO(all);
	CHECK(WEXITSTATUS(stopped) == 0);
	CHECK(occurrences(all, "Inserted module 'fx_dia_base'") == 1);
}

TEST_CASE("given a process that does not reload, modloadctl reload should fail, not hang")
{
	Root root;
	// Ignores SIGHUP and writes no record: the wait ends at the timeout.
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		signal(SIGHUP, SIG_IGN);
		execl("/bin/sleep", "sleep", "30", nullptr);
		_exit(127);
	}
	poll(nullptr, 0, 100);
	int status = 0;
	std::string out = capture(fmt::format("'{}' --root '{}' reload --pid {} --timeout 1 2>&1",
					      ctlBinary(), root.dir.root(), pid),
				  status);
	CHECK(status == 1);
	CHECK(out.find(fmt::format("modloadd (PID {}) did not finish reloading within 1 s", pid)) !=
	      std::string::npos);
	kill(pid, SIGKILL);
	waitpid(pid, nullptr, 0);

	// Gone: said at once.
	out = capture(fmt::format("'{}' --root '{}' reload --pid {} 2>&1", ctlBinary(),
				  root.dir.root(), pid),
		      status);
	CHECK(status == 1);
	CHECK(out.find("cannot signal modloadd") != std::string::npos);
	out = capture(fmt::format("'{}' --root '{}' reload --pid {} --json", ctlBinary(),
				  root.dir.root(), pid),
		      status);
	CHECK(status == 1);
	auto answer = nlohmann::json::parse(out);
	CHECK(answer["reloaded"] == false);
	CHECK(answer["error"].get<std::string>().find("cannot signal modloadd") == 0);
	out = capture(fmt::format("'{}' reload --pid x 2>&1", ctlBinary()), status);
	CHECK(status == 2);
}
