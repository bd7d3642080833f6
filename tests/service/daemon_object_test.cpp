// The Daemon object in this process, on a fixture root with the simulated backend: a run that
// ends when the devices present have settled, and a run that serves, reloads on SIGHUP and
// stops on SIGTERM. The signals are blocked in every thread of this test, as modloadd's main()
// blocks them, so the daemon's event loop takes them.
#include "report/message_ids.h"
#include "service/daemon.h"
#include "tree_support.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
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
	CHECK(daemon.planner()->rules().tests() == 2);
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
