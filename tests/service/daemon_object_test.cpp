// The Daemon object in this process, on a fixture root with the simulated backend: a run that
// ends when the devices present have settled, and a run that serves, reloads on SIGHUP and
// stops on SIGTERM; the state it publishes for modloadctl. The signals are blocked in every thread
// of this test, as modloadd's main() blocks them, so the daemon's event loop takes them.
#include "config/conf_files.h"
#include "report/daemon_state.h"
#include "report/message_ids.h"
#include "service/daemon.h"
#include "temp_tree.h"
#include "tree_support.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <sys/socket.h>
#include <sys/stat.h>
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

// The state the daemon left under ROOT, parsed.
DaemonState stateUnder(const FixtureRoot &root)
{
	std::string text;
	REQUIRE(readConfFileText(stateFilePath(root.dir.root()), text) == 0);
	auto state = parseDaemonState(text);
	INFO(text);
	REQUIRE(state);
	return *state;
}

// Waits until the state under ROOT satisfies WANTED, or the bound passes. No assertion: for
// the driver thread.
template <typename F> std::optional<DaemonState> waitForState(const FixtureRoot &root, F wanted)
{
	auto deadline = std::chrono::steady_clock::now() + kBound;
	while (std::chrono::steady_clock::now() < deadline) {
		std::string text;
		if (readConfFileText(stateFilePath(root.dir.root()), text) == 0)
			if (auto state = parseDaemonState(text); state && wanted(*state))
				return *state;
		std::this_thread::sleep_for(10ms);
	}
	return std::nullopt;
}

const ModuleState &moduleIn(const DaemonState &state, const std::string &name)
{
	for (const ModuleState &m : state.modules)
		if (m.name == name)
			return m;
	FAIL("no module " << name << " in the state");
	std::abort();
}

bool contains(const std::vector<std::string> &v, const std::string &s)
{
	return std::find(v.begin(), v.end(), s) != v.end();
}

mode_t modeOf(const std::string &path)
{
	struct stat st {};
	REQUIRE(stat(path.c_str(), &st) == 0);
	return st.st_mode & 07777;
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
	// The state at the stop says so too: the insert still running, what waits for it.
	DaemonState state = stateUnder(root);
	CHECK(state.phase == "stopping");
	CHECK(state.inserting == std::vector<std::string>{"fx_chain_c"});
	CHECK(moduleIn(state, "fx_chain_c").outcome == "inserting");
	CHECK_FALSE(moduleIn(state, "fx_chain_c").durationMs.has_value());
	CHECK(moduleIn(state, "fx_chain_b").outcome == "waiting");
	CHECK(moduleIn(state, "fx_dia_top").outcome == "inserted");
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
	// In the state: timed out after its second, and still inside its init.
	DaemonState state = stateUnder(root);
	const ModuleState &c = moduleIn(state, "fx_chain_c");
	CHECK(c.outcome == "timed_out");
	CHECK(c.err == ETIMEDOUT);
	CHECK(c.cause == "no answer within 1 s (InsertTimeoutSec=)");
	REQUIRE(c.durationMs);
	CHECK(*c.durationMs >= 1000);
	CHECK(state.inserting == std::vector<std::string>{"fx_chain_c"});
	CHECK(state.counts[size_t(OutcomeKind::TimedOut)] == 1);
}

TEST_CASE("given lists, a device and a failing module, the daemon should publish every module "
	  "with its outcome, origins, errno and time, world-readable whatever the umask")
{
	FixtureRoot root;
	const std::string devpath = "/devices/pci0000:00/0000:00:03.0";
	const std::string virtio = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
	root.addDevice(devpath, "pci", "MODALIAS=" + virtio + "\n");
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\nfx_dia_top\n");
	root.dir.write("script", "fx_dia_left:0:ENOEXEC\n");
	Settings settings = simulated();
	settings.simulationScript = root.dir.root() + "/script";
	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	mode_t umaskBefore = umask(077);
	Daemon daemon(optionsFor(root, true), settings, journal);
	int status = daemon.run();
	umask(umaskBefore);
	INFO(entries(journal));
	CHECK(status == 1);
	DaemonState state = stateUnder(root);

	CHECK(state.pid == getpid());
	CHECK(state.phase == "stopping"); // --once: the state at the stop
	CHECK(state.ready);
	CHECK(state.startedUsec > 0);
	CHECK(state.writtenUsec >= state.startedUsec);
	// The counts are the tally's, and every module the run knows is listed.
	const Tally &tally = daemon.loadRun()->tally();
	for (size_t k = 0; k < kOutcomeKinds; k++)
		CHECK(state.counts[k] == tally.count(static_cast<OutcomeKind>(k)));
	CHECK(state.counts[size_t(OutcomeKind::Inserted)] == 6);
	CHECK(state.counts[size_t(OutcomeKind::Failed)] == 2);
	CHECK(state.settled == 8);
	CHECK(state.modules.size() == daemon.loadRun()->loader().size());
	CHECK(state.inserting.empty());

	const ModuleState &a = moduleIn(state, "fx_chain_a");
	CHECK(a.outcome == "inserted");
	CHECK(contains(a.origins, "/etc/modules-load.d/a.conf:1"));
	CHECK(a.path.find("/lib/modules/6.1.0-fixture/") == 0);
	CHECK(a.durationMs.has_value());
	CHECK(contains(moduleIn(state, "fx_chain_b").origins, "dependency of fx_chain_a"));

	const ModuleState &left = moduleIn(state, "fx_dia_left");
	CHECK(left.outcome == "failed");
	CHECK(left.err == ENOEXEC);
	CHECK(left.durationMs.has_value()); // attempted
	const ModuleState &top = moduleIn(state, "fx_dia_top");
	CHECK(top.outcome == "failed");
	CHECK(top.cause.find("fx_dia_left") != std::string::npos);
	CHECK_FALSE(top.durationMs.has_value()); // never attempted
	CHECK(contains(top.origins, "/etc/modules-load.d/a.conf:2"));

	const ModuleState &alias = moduleIn(state, "fx_alias");
	CHECK(alias.outcome == "inserted");
	REQUIRE(alias.devices.size() == 1);
	CHECK(alias.devices[0].devpath == devpath);
	CHECK(alias.devices[0].modalias == virtio);

	// Readable by anyone, though the daemon's umask was 077; no temporary file left.
	CHECK(modeOf(stateFilePath(root.dir.root())) == 0644);
	CHECK(modeOf(root.dir.path("/run/modloadd")) == 0755);
	CHECK_FALSE(std::filesystem::exists(stateFilePath(root.dir.root()) + ".new"));
}

TEST_CASE("given a serving daemon, its state should say settled and ready, count a reload at "
	  "once, and say stopping at SIGTERM")
{
	FixtureRoot root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
	Settings settings = simulated();
	settings.watchConfiguration = false;
	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	std::optional<DaemonState> settled, reloaded;
	std::thread driver([&] {
		settled = waitForState(root,
				       [](const DaemonState &s) { return s.phase == "settled"; });
		root.dir.write("etc/modules-load.d/b.conf", "fx_dia_base\n");
		kill(getpid(), SIGHUP);
		reloaded = waitForState(root, [](const DaemonState &s) {
			return s.generation == 1 && s.phase != "reloading";
		});
		kill(getpid(), SIGTERM);
	});
	Daemon daemon(optionsFor(root, false), settings, journal);
	int status = daemon.run();
	driver.join();
	INFO(entries(journal));
	CHECK(status == 0);
	REQUIRE(settled);
	CHECK(settled->phase == "settled");
	CHECK(settled->ready);
	CHECK(settled->generation == 0);
	CHECK(settled->modules.size() == 1);
	CHECK(settled->status.find("Loaded 1 modules") != std::string::npos);
	REQUIRE(reloaded);
	CHECK(reloaded->generation == 1);
	CHECK(moduleIn(*reloaded, "fx_dia_base").outcome == "inserted");
	CHECK(contains(moduleIn(*reloaded, "fx_dia_base").origins, "/etc/modules-load.d/b.conf:1"));
	DaemonState last = stateUnder(root);
	CHECK(last.phase == "stopping");
	CHECK(last.generation == 1);
}

TEST_CASE("given an insert that returns after its timeout, the state should keep it timed out "
	  "and add what it came back with")
{
	FixtureRoot root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
	root.dir.write("script", "fx_chain_c:1500:0\n");
	Settings settings = simulated();
	settings.simulationScript = root.dir.root() + "/script";
	settings.insertTimeoutSec = 1;
	settings.watchConfiguration = false;
	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	std::optional<DaemonState> late;
	std::thread driver([&] {
		late = waitForState(root, [](const DaemonState &s) {
			return !s.modules.empty() && s.modules[0].late.has_value();
		});
		kill(getpid(), SIGTERM);
	});
	Daemon daemon(optionsFor(root, false), settings, journal);
	int status = daemon.run();
	driver.join();
	INFO(entries(journal));
	CHECK(status == 0);
	REQUIRE(late);
	const ModuleState &c = moduleIn(*late, "fx_chain_c");
	CHECK(c.outcome == "timed_out");
	REQUIRE(c.durationMs);
	CHECK(*c.durationMs >= 1000);
	REQUIRE(c.late);
	CHECK(c.late->outcome == "inserted");
	CHECK(c.late->err == 0);
	REQUIRE(c.late->durationMs);
	CHECK(*c.late->durationMs >= 1500);
	CHECK(late->inserting.empty()); // it returned
	CHECK(hasEntry(journal, message_id::kFinishedLate));
}

TEST_CASE("given a state that cannot be written, the daemon should say so once and load all the "
	  "same")
{
	FixtureRoot root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\nfx_dia_top\n");
	root.dir.write("run/modloadd", "a file where the directory should be\n");
	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	Daemon daemon(optionsFor(root, true), simulated(), journal);
	CHECK(daemon.run() == 0);
	INFO(entries(journal));
	CHECK(daemon.loadRun()->tally().count(OutcomeKind::Inserted) == 7);
	// Written at start, as modules settled, once settled and at the stop: said once.
	size_t said = 0;
	for (const LogRecord &r : journal.records())
		said += r.message.find("Cannot write " + stateFilePath(root.dir.root())) == 0;
	CHECK(said == 1);
}

TEST_CASE("given DenyModules= and two devices that ask for a module, the daemon should not load "
	  "it, say so once with the glob, and count and publish it")
{
	FixtureRoot root;
	const std::string virtio = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
	root.addDevice("/devices/pci0000:00/0000:00:03.0", "pci", "MODALIAS=" + virtio + "\n");
	root.addDevice("/devices/pci0000:00/0000:00:04.0", "pci", "MODALIAS=" + virtio + "\n");
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
	Settings settings = simulated();
	settings.denyModules = {{"fx_al*", "/etc/modloadd.conf", 3}};
	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	Daemon daemon(optionsFor(root, true), settings, journal);
	CHECK(daemon.run() == 0); // a denied module fails nothing
	INFO(entries(journal));
	CHECK(outcomes(journal, "fx_alias", "blacklisted") == 1);
	CHECK(outcomes(journal, "fx_alias", "inserted") == 0);
	CHECK(outcomes(journal, "fx_chain_c", "inserted") == 1);
	for (const LogRecord &r : journal.records())
		if (r.field("MODLOADD_MODULE") == "fx_alias")
			CHECK(r.field("MODLOADD_DENIED_BY") == "fx_al* (/etc/modloadd.conf:3)");
	const Tally &tally = daemon.loadRun()->tally();
	CHECK(tally.count(OutcomeKind::Blacklisted) == 1);
	CHECK_THAT(tally.summary(), Catch::Contains("1 blacklisted"));
	DaemonState state = stateUnder(root);
	CHECK(state.counts[size_t(OutcomeKind::Blacklisted)] == 1);
	const ModuleState &alias = moduleIn(state, "fx_alias");
	CHECK(alias.outcome == "blacklisted");
	CHECK_THAT(alias.cause, Catch::Contains("DenyModules=fx_al* (/etc/modloadd.conf:3)"));
	CHECK(alias.devices.size() == 1); // one modalias, resolved once
}

TEST_CASE("given a module denied for a device, a reload that lists it should load it, and the "
	  "changed DenyModules= should need no restart")
{
	FixtureRoot root;
	const std::string virtio = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
	root.addDevice("/devices/pci0000:00/0000:00:03.0", "pci", "MODALIAS=" + virtio + "\n");
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
	Settings settings = simulated();
	settings.watchConfiguration = false; // the reload comes from SIGHUP alone
	settings.denyModules = {{"fx_alias", "/etc/modloadd.conf", 3}};

	blockSignals();
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	bool sawReload = false;
	size_t deniedBefore = 0;
	std::thread driver([&] {
		waitForEntry(journal, message_id::kSummary);
		deniedBefore = outcomes(journal, "fx_alias", "blacklisted");
		root.dir.write("etc/modloadd.conf", "[Devices]\nDenyModules=fx_soft fx_alias\n");
		root.dir.write("etc/modules-load.d/b.conf", "fs-fxfs\n");
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
	CHECK(deniedBefore == 1);
	CHECK(outcomes(journal, "fx_alias", "inserted") == 1);
	for (const LogRecord &r : journal.records())
		if (r.field("MESSAGE_ID") == message_id::kSettingNeedsRestart)
			CHECK(r.field("MODLOADD_SETTING") != "DenyModules");
	// Counted and listed once, as what became of it.
	const Tally &tally = daemon.loadRun()->tally();
	CHECK(tally.count(OutcomeKind::Blacklisted) == 0);
	DaemonState state = stateUnder(root);
	CHECK(state.counts[size_t(OutcomeKind::Blacklisted)] == 0);
	CHECK(std::count_if(state.modules.begin(), state.modules.end(),
			    [](const ModuleState &m) { return m.name == "fx_alias"; }) == 1);
	CHECK(moduleIn(state, "fx_alias").outcome == "inserted");
	CHECK(state.settled == tally.settled());
	CHECK(state.modules.size() == tally.settled());
}
