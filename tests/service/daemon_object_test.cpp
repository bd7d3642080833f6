// The Daemon object in this process, on a fixture root with the simulated backend: a run that
// ends when the devices present have settled, and a run that serves, reloads on SIGHUP and
// stops on SIGTERM. The signals are blocked in every thread of this test, as modloadd's main()
// blocks them, so the daemon's event loop takes them.
#include "report/message_ids.h"
#include "service/daemon.h"
#include "temp_tree.h"
#include "tree_support.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>

using namespace modloadd;
using namespace modloadd::testing;
using namespace std::chrono_literals;

namespace {

constexpr auto kBound = 20s; // generous: the machine is shared

Settings simulated()
{
	Settings s;
	s.backend = BackendKind::Simulated;
	s.workers = 2;
	s.uevents = UeventsFrom::None; // the host's uevents are not the fixture's
	return s;
}

// As main() does before it makes a Daemon: the loop takes these signals.
void blockSignals()
{
	sigset_t mask;
	sigemptyset(&mask);
	for (int signal : {SIGTERM, SIGINT, SIGHUP})
		sigaddset(&mask, signal);
	REQUIRE(pthread_sigmask(SIG_BLOCK, &mask, nullptr) == 0);
}

std::string entries(const Journal &journal)
{
	std::string out;
	for (const LogRecord &r : journal.records())
		out += r.message + "\n";
	return out;
}

DaemonOptions optionsFor(const FixtureRoot &root, bool once)
{
	DaemonOptions o;
	o.root = root.dir.root();
	o.kernel = kFixtureKernel;
	o.once = once;
	return o;
}

// How many entries name MODULE with OUTCOME.
size_t outcomes(const Journal &journal, const std::string &module, const std::string &outcome)
{
	size_t n = 0;
	for (const LogRecord &r : journal.records())
		if (r.field("MODLOADD_MODULE") == module && r.field("MODLOADD_OUTCOME") == outcome)
			n++;
	return n;
}

bool hasEntry(const Journal &journal, std::string_view messageId)
{
	for (const LogRecord &r : journal.records())
		if (r.field("MESSAGE_ID") == messageId)
			return true;
	return false;
}

// Waits until the journal has an entry with MESSAGE_ID, or the bound passes.
bool waitForEntry(const Journal &journal, std::string_view messageId)
{
	auto deadline = std::chrono::steady_clock::now() + kBound;
	while (std::chrono::steady_clock::now() < deadline) {
		if (hasEntry(journal, messageId))
			return true;
		std::this_thread::sleep_for(10ms);
	}
	return false;
}

// A notify socket in place of systemd's: what the daemon says with sd_notify(3), as datagrams.
class NotifySocket {
public:
	explicit NotifySocket(const TempTree &tree) : path_(tree.path("/notify"))
	{
		fd_ = UniqueFd(socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
		sockaddr_un addr{};
		addr.sun_family = AF_UNIX;
		path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
		REQUIRE(bind(fd_.get(), reinterpret_cast<sockaddr *>(&addr), sizeof addr) == 0);
		setenv("NOTIFY_SOCKET", path_.c_str(), 1);
	}
	~NotifySocket() { unsetenv("NOTIFY_SOCKET"); }

	// The next message, or "" when none comes within WAIT.
	std::string next(std::chrono::milliseconds wait)
	{
		pollfd p{fd_.get(), POLLIN, 0};
		if (poll(&p, 1, static_cast<int>(wait.count())) <= 0)
			return {};
		char buf[4096];
		ssize_t n = recv(fd_.get(), buf, sizeof buf, 0);
		return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
	}

private:
	std::string path_;
	UniqueFd fd_;
};

bool startsWith(const std::string &s, std::string_view prefix)
{
	return s.compare(0, prefix.size(), prefix) == 0;
}

} // namespace

TEST_CASE("given the lists and a device, a run to settle should load each module once and end")
{
	FixtureRoot root;
	const std::string virtio = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
	root.addDevice("/devices/pci0000:00/0000:00:03.0", "pci", "MODALIAS=" + virtio + "\n");
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\nfx_dia_top\n");
	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	Daemon daemon(optionsFor(root, true), simulated(), journal);
	CHECK(daemon.run() == 0);
	INFO(entries(journal));
	CHECK(daemon.ready());
	CHECK(daemon.settled());
	REQUIRE(daemon.loadRun());
	const Loader &loader = daemon.loadRun()->loader();
	CHECK(loader.idle());
	// fx_chain_a needs b needs c; the diamond shares its base; the device asks for fx_alias.
	for (const char *m : {"fx_chain_a", "fx_chain_b", "fx_chain_c", "fx_dia_top", "fx_dia_left",
			      "fx_dia_right", "fx_dia_base", "fx_alias"})
		CHECK(outcomes(journal, m, "inserted") == 1);
	CHECK(daemon.loadRun()->tally().count(OutcomeKind::Inserted) == 8);
	CHECK(hasEntry(journal, message_id::kSummary));
}

TEST_CASE("given a failing module, a run to settle should end with status 1")
{
	FixtureRoot root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\n");
	root.dir.write("script", "fx_chain_c:0:ENOEXEC\n");
	Settings settings = simulated();
	settings.simulationScript = root.dir.root() + "/script";
	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	Daemon daemon(optionsFor(root, true), settings, journal);
	CHECK(daemon.run() == 1);
	INFO(entries(journal));
	CHECK(outcomes(journal, "fx_chain_c", "failed") == 1);
	CHECK(outcomes(journal, "fx_chain_a", "failed") == 1); // never attempted: its dependency
}

TEST_CASE("given MetricsFile=, a run should leave its counts in the textfile")
{
	FixtureRoot root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\n");
	root.dir.mkdir("/textfile");
	Settings settings = simulated();
	settings.metricsFile = root.dir.path("/textfile/modloadd.prom");
	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	{
		Daemon daemon(optionsFor(root, true), settings, journal);
		CHECK(daemon.run() == 0);
	} // the stop writes the last state
	INFO(entries(journal));
	std::ifstream in(settings.metricsFile);
	REQUIRE(in);
	std::stringstream text;
	text << in.rdbuf();
	INFO(text.str());
	// fx_chain_a needs b needs c: three inserts.
	CHECK(text.str().find("modloadd_modules_total{outcome=\"inserted\"} 3\n") !=
	      std::string::npos);
	CHECK(text.str().find("modloadd_insert_duration_seconds_count 3\n") != std::string::npos);
	CHECK(text.str().find("modloadd_ready 1\n") != std::string::npos);

	// Without MetricsFile=, nothing is written.
	std::filesystem::remove(settings.metricsFile);
	Daemon quiet(optionsFor(root, true), simulated(), journal);
	CHECK(quiet.run() == 0);
	CHECK_FALSE(std::filesystem::exists(settings.metricsFile));
}

TEST_CASE("given rules about the machine and about devices, the start should test each once")
{
	FixtureRoot root;
	root.dir.write("etc/modloadd/rules.d/50-machine.rules",
		       "[Match]\nConditionPathExists=/etc/nothing\n[Load]\nModules=fx_chain_c\n");
	root.dir.write("etc/modloadd/rules.d/60-device.rules",
		       "[Match]\nConditionPCIDevice=1af4\n[Load]\nModules=fx_dia_base\n");
	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	Daemon daemon(optionsFor(root, true), simulated(), journal);
	CHECK(daemon.run() == 0);
	INFO(entries(journal));
	REQUIRE(daemon.planner());
	// The machine's rule at start, off the loop; the device rule once coldplug is over.
	REQUIRE(daemon.ruleTests());
	CHECK(daemon.ruleTests()->tests() == 2);
}

TEST_CASE("given a serving daemon, SIGHUP should load what a new file lists and SIGTERM stop it")
{
	FixtureRoot root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
	Settings settings = simulated();
	settings.watchConfiguration = false; // the reload comes from SIGHUP alone

	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	bool sawReady = false, sawReload = false;
	std::thread driver([&] {
		// The threads of this process inherit the mask: the signals wait for the loop.
		sawReady = waitForEntry(journal, message_id::kSummary);
		root.dir.write("etc/modules-load.d/b.conf", "fx_soft\n");
		kill(getpid(), SIGHUP);
		sawReload = waitForEntry(journal, message_id::kReloaded);
		kill(getpid(), SIGTERM);
	});
	Daemon daemon(optionsFor(root, false), settings, journal);
	int status = daemon.run();
	driver.join();
	INFO(entries(journal));
	CHECK(status == 0);
	CHECK(sawReady);
	CHECK(sawReload);
	CHECK(outcomes(journal, "fx_chain_c", "inserted") == 1);
	CHECK(outcomes(journal, "fx_soft", "inserted") == 1);
	// The reload added the module and its softdeps; fx_chain_c was not attempted again.
	CHECK(daemon.loadRun()->tally().count(OutcomeKind::Inserted) >= 2);
	// The record modloadctl reload waits for.
	CHECK(std::filesystem::exists(root.dir.root() + "/run/modloadd/reloaded"));
}

TEST_CASE("given a rule that a reload brings, the daemon should test it off the loop and count "
	  "its modules as the reload's")
{
	FixtureRoot root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
	root.dir.write("etc/present", "x");
	Settings settings = simulated();
	settings.watchConfiguration = false; // the reload comes from SIGHUP alone

	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	bool sawReload = false;
	std::thread driver([&] {
		waitForEntry(journal, message_id::kSummary);
		root.dir.write(
			"etc/modloadd/rules.d/50-new.rules",
			"[Match]\nConditionPathExists=/etc/present\n[Load]\nModules=fx_soft\n");
		kill(getpid(), SIGHUP);
		sawReload = waitForEntry(journal, message_id::kReloaded);
		kill(getpid(), SIGTERM);
	});
	Daemon daemon(optionsFor(root, false), settings, journal);
	int status = daemon.run();
	driver.join();
	INFO(entries(journal));
	CHECK(status == 0);
	REQUIRE(sawReload);
	CHECK(outcomes(journal, "fx_soft", "inserted") == 1);
	// The rule fired before the reload ended, and the reload counts what it added: fx_soft and
	// its softdeps.
	std::optional<size_t> fired, reloaded;
	const std::vector<LogRecord> &records = journal.records();
	for (size_t i = 0; i < records.size(); i++) {
		if (records[i].field("MESSAGE_ID") == message_id::kRuleFired)
			fired = i;
		if (records[i].field("MESSAGE_ID") == message_id::kReloaded)
			reloaded = i;
	}
	REQUIRE(fired);
	REQUIRE(reloaded);
	CHECK(*fired < *reloaded);
	CHECK(records[*reloaded].message.find(": 0 modules new") == std::string::npos);
	REQUIRE(daemon.ruleTests());
	CHECK(daemon.ruleTests()->tests() == 1);
}

TEST_CASE("given an insert that hangs with no timeout, the daemon should serve the watchdog, be "
	  "ready at the bound and stop at once")
{
	FixtureRoot root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\nfx_dia_top\n");
	root.dir.write("script", "fx_chain_c:600000:0\n"); // ten minutes: hung
	Settings settings = simulated();
	settings.simulationScript = root.dir.root() + "/script";
	settings.insertTimeoutSec = 0; // the worst case: nothing ends the insert
	settings.readyTimeoutSec = 1;
	settings.watchConfiguration = false;
	NotifySocket notify(root.dir);
	setenv("WATCHDOG_USEC", "200000", 1);
	setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), 1);

	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	size_t watchdogs = 0, watchdogsAfterReady = 0;
	bool ready = false, stopping = false;
	std::chrono::steady_clock::time_point signalled;
	std::thread driver([&] {
		auto until = std::chrono::steady_clock::now() + kBound;
		// Until READY=1 and a second of pings after it, while fx_chain_c hangs.
		std::chrono::steady_clock::time_point readyAt;
		while (std::chrono::steady_clock::now() < until) {
			std::string m = notify.next(100ms);
			if (startsWith(m, "WATCHDOG=1")) {
				watchdogs++;
				watchdogsAfterReady += ready;
			}
			if (startsWith(m, "READY=1") && !ready) {
				ready = true;
				readyAt = std::chrono::steady_clock::now();
			}
			if (ready && std::chrono::steady_clock::now() - readyAt > 1s)
				break;
		}
		signalled = std::chrono::steady_clock::now();
		kill(getpid(), SIGTERM);
		while (std::chrono::steady_clock::now() < until && !stopping)
			stopping = startsWith(notify.next(100ms), "STOPPING=1");
	});
	int status;
	{
		Daemon daemon(optionsFor(root, false), settings, journal);
		status = daemon.run();
	} // the destructors: the worker pool must not wait for the hung insert
	auto stopped = std::chrono::steady_clock::now();
	driver.join();
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	INFO(entries(journal));
	CHECK(status == 0);
	CHECK(ready);
	CHECK(watchdogsAfterReady >= 3); // every 100 ms: about 10 in that second
	CHECK(stopping);
	// A bound that only a hang breaks (the insert was to last ten minutes).
	CHECK(stopped - signalled < kBound);
	// The rest of the lists loaded; the hung module's dependents wait for it.
	CHECK(outcomes(journal, "fx_dia_top", "inserted") == 1);
	CHECK(outcomes(journal, "fx_chain_a", "inserted") == 0);
	bool named = false;
	for (const LogRecord &r : journal.records())
		named |= r.field("MODLOADD_STILL_INSERTING") == "fx_chain_c";
	CHECK(named);
}

TEST_CASE("given an insert past InsertTimeoutSec=, the daemon should report it timed out and "
	  "settle without it")
{
	FixtureRoot root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\nfx_dia_top\n");
	root.dir.write("script", "fx_chain_c:600000:0\n");
	Settings settings = simulated();
	settings.simulationScript = root.dir.root() + "/script";
	settings.insertTimeoutSec = 1;
	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	Daemon daemon(optionsFor(root, true), settings, journal);
	CHECK(daemon.run() == 1); // a timed-out module fails the run
	INFO(entries(journal));
	CHECK(daemon.ready());
	CHECK(daemon.settled());
	CHECK(outcomes(journal, "fx_chain_c", "timed out") == 1);
	CHECK(hasEntry(journal, message_id::kTimedOut));
	// Not attempted: the dependency did not come; the rest loaded.
	CHECK(outcomes(journal, "fx_chain_b", "failed") == 1);
	CHECK(outcomes(journal, "fx_chain_a", "failed") == 1);
	CHECK(outcomes(journal, "fx_dia_top", "inserted") == 1);
	CHECK(daemon.loadRun()->tally().summary().find("fx_chain_c (timed out)") !=
	      std::string::npos);
}
