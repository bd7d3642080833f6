// The load run against the fixture module tree: batches over time, one attempt per module,
// device requests, and indexes reloaded after depmod.
#include "load/simulated_backend.h"
#include "service/load_run.h"
#include "system/kernel_tree.h"
#include "tree_support.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>

using namespace modloadd;
using namespace modloadd::testing;
namespace fs = std::filesystem;

namespace {

constexpr const char *kVirtioNetModalias = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";

Request device(unsigned n, const std::string &modalias)
{
	Request r;
	r.devpath = fmt::format("/devices/platform/fx.{}", n);
	r.modalias = modalias;
	r.name = modalias;
	r.origin = fmt::format("device {} ({})", r.devpath, modalias);
	return r;
}

Request named(const std::string &name)
{
	return {name, "test:" + name, {}, {}};
}

struct Session {
	explicit Session(const std::string &root,
			 SimulationScript script = SimulationScript::uniform(0))
	    : backend(std::move(script))
	{
		auto tree = findKernelTree(root, std::string(kFixtureKernel));
		REQUIRE(tree);
		auto index = ModuleIndex::open(root, *tree);
		REQUIRE(index);
		resolver.emplace(std::move(*index), ResolveOptions{});
		session.emplace(*resolver, backend, 4, std::chrono::milliseconds(0), journal);
	}
	void run(const std::vector<Request> &requests)
	{
		session->submit(requests);
		session->waitIdle();
	}
	const Outcome &outcome(const std::string &name)
	{
		const Loader &loader = session->loader();
		for (size_t i = 0; i < loader.size(); i++)
			if (loader.module(i).name == name) {
				REQUIRE(loader.outcome(i));
				return *loader.outcome(i);
			}
		FAIL("no module " << name << " in the session");
		abort();
	}
	std::vector<LogRecord> recordsFor(const std::string &module)
	{
		std::vector<LogRecord> out;
		for (const LogRecord &r : journal.records())
			if (r.field("MODLOADD_MODULE") == module)
				out.push_back(r);
		return out;
	}

	SimulatedBackend backend;
	Journal journal{LogTarget::Memory, LOG_DEBUG};
	std::optional<Resolver> resolver;
	std::optional<LoadRun> session;
};

} // namespace

TEST_CASE("given a thousand devices with one modalias, we should resolve it once and attempt the "
	  "module once")
{
	FixtureRoot root;
	Session s(root.dir.root());
	std::vector<Request> devices;
	for (unsigned i = 0; i < 1000; i++)
		devices.push_back(device(i, kVirtioNetModalias));
	s.run(devices);
	s.run({device(1000, kVirtioNetModalias)}); // a hotplugged twin, later
	CHECK(s.backend.attempts() == std::map<std::string, unsigned>{{"fx_alias", 1}});
	CHECK(s.resolver->repeatedRequests() == 1000);
	auto records = s.recordsFor("fx_alias");
	REQUIRE(records.size() == 1);
	CHECK(records[0].field("MODLOADD_DEVPATH") == "/devices/platform/fx.0");
	CHECK(records[0].field("MODLOADD_MODALIAS") == kVirtioNetModalias);
	CHECK(records[0].message.find("/devices/platform/fx.0") != std::string::npos);
}

TEST_CASE("given a device whose modalias no module claims, we should queue and report nothing")
{
	FixtureRoot root;
	Session s(root.dir.root());
	s.run({device(0, "pci:v0000DEADd0000BEEFsv0000DEADsd00000001bc02sc00i00")});
	CHECK(s.session->loader().size() == 0);
	CHECK(s.backend.attempts().empty());
	for (const LogRecord &r : s.journal.records())
		CHECK(r.priority > LOG_NOTICE);
}

TEST_CASE("given a later batch that shares dependencies with an earlier one, we should attempt "
	  "each module once")
{
	FixtureRoot root;
	Session s(root.dir.root());
	s.run({named("fx_chain_b")});
	s.run({named("fx_chain_a"), named("fx_chain_b"), named("fx_dia_top")});
	s.run({named("fx_dia_left")});
	std::map<std::string, unsigned> once;
	for (const char *m : {"fx_chain_a", "fx_chain_b", "fx_chain_c", "fx_dia_top", "fx_dia_left",
			      "fx_dia_right", "fx_dia_base"})
		once[m] = 1;
	CHECK(s.backend.attempts() == once);
	auto order = s.backend.insertOrder();
	CHECK(order.front() == "fx_chain_c");
	CHECK(s.outcome("fx_chain_a").kind == OutcomeKind::Inserted);
}

TEST_CASE("given a module that failed, we should not retry it when a device later needs it")
{
	FixtureRoot root;
	SimulationScript script = SimulationScript::uniform(0);
	script.set("fx_alias", {0, EINVAL});
	Session s(root.dir.root(), script);
	s.run({named("fx-alias-plain")});
	s.run({device(7, kVirtioNetModalias)});
	s.run({named("fx_alias")});
	CHECK(s.backend.attempts() == std::map<std::string, unsigned>{{"fx_alias", 1}});
	CHECK(s.outcome("fx_alias").kind == OutcomeKind::Failed);
	CHECK(s.recordsFor("fx_alias").size() == 1);
}

TEST_CASE("given depmod rewriting the indexes, we should find a module installed after start")
{
	// A tree of our own, first indexed without fx_twin_a.
	TempDir dir;
	std::string version = kFixtureKernel;
	fs::copy(fixtureRoot() + "/lib", dir.root() + "/lib", fs::copy_options::recursive);
	std::string moduleDir = dir.root() + "/lib/modules/" + version;
	std::string ko = moduleDir + "/kernel/drivers/fixture/fx_twin_a.ko";
	fs::rename(ko, dir.root() + "/fx_twin_a.ko");
	int status = 0;
	std::string depmod = fmt::format("PATH=\"$PATH:/sbin:/usr/sbin\" depmod -b '{}' {} 2>&1",
					 dir.root(), version);
	capture(depmod, status);
	REQUIRE(status == 0);

	Session s(dir.root());
	Request hotplug = device(3, "fx-twin");
	s.run({hotplug});
	CHECK(s.backend.attempts() == std::map<std::string, unsigned>{{"fx_twin_b", 1}});
	CHECK(s.resolver->indexReloads() == 0);

	// The module is installed and depmod run, as a package's postinst would.
	fs::rename(dir.root() + "/fx_twin_a.ko", ko);
	capture(depmod, status);
	REQUIRE(status == 0);
	hotplug.devpath = "/devices/platform/fx.4";
	s.run({hotplug});
	CHECK(s.resolver->indexReloads() == 1);
	CHECK(s.backend.attempts() ==
	      std::map<std::string, unsigned>{{"fx_twin_a", 1}, {"fx_twin_b", 1}});
	auto records = s.recordsFor("fx_twin_a");
	REQUIRE(records.size() == 1);
	CHECK(records[0].field("MODLOADD_DEVPATH") == "/devices/platform/fx.4");
}

TEST_CASE("given a name no module has, we should report it once, also when the indexes are read "
	  "again")
{
	Session s(fixtureRoot());
	s.run({named("fx_no_such_module"), named("fx_chain_c")});
	REQUIRE(s.recordsFor("fx_no_such_module").size() == 1);
	CHECK(s.session->tally().count(OutcomeKind::NotFound) == 1);

	// A reload: the indexes and modprobe.d read again, every request resolved anew.
	REQUIRE(s.session->reopenIndex());
	CHECK(s.session->submit({named("fx_no_such_module"), named("fx_chain_c")}) == 0);
	s.session->waitIdle();
	CHECK(s.recordsFor("fx_no_such_module").size() == 1);
	CHECK(s.session->tally().count(OutcomeKind::NotFound) == 1);
	CHECK(s.backend.attempts().at("fx_chain_c") == 1);
}

TEST_CASE("given refusals of an earlier run of this boot, we should not try those modules again")
{
	FixtureRoot root;
	std::string state = root.dir.root() + "/run/modloadd/refused";
	SimulationScript script = SimulationScript::uniform(0);
	script.set("fx_alias", {0, ENODEV});
	script.set("fx_chain_c", {0, EKEYREJECTED});
	script.set("fx_dia_base", {0, EIO}); // a driver's init that failed this time
	{
		Session first(root.dir.root(), script);
		CHECK(first.session->rememberRefusals(Refusals(state)) == 0);
		first.run({named("fx_alias"), named("fx_chain_a"), named("fx_dia_base")});
		CHECK(first.outcome("fx_chain_a").kind == OutcomeKind::Failed); // via fx_chain_c
	}
	// The restarted daemon: same boot, same /run.
	Session second(root.dir.root(), script);
	// fx_alias and fx_chain_c; not fx_chain_a (its dependency's), nor fx_dia_base (EIO may
	// not come again).
	CHECK(second.session->rememberRefusals(Refusals(state)) == 2);
	second.run({device(1, kVirtioNetModalias), named("fx_chain_a"), named("fx_dia_base")});
	CHECK(second.backend.attempts() == std::map<std::string, unsigned>{{"fx_dia_base", 1}});
	CHECK(second.outcome("fx_alias").kind == OutcomeKind::NoDevice);
	CHECK(second.outcome("fx_alias").cause == "refused by the kernel earlier in this boot");
	CHECK(second.outcome("fx_chain_c").err == EKEYREJECTED);
	CHECK(second.outcome("fx_chain_a").kind == OutcomeKind::Failed);

	// A torn or foreign line is skipped, not trusted.
	std::ofstream(state, std::ios::app)
		<< "fx_dia_top failed\ngarbage\nfx_dia_left failed 99999\nfx_dia_right failed 5\n"
		<< "fx_dia_top no-device 5\n";
	Session third(root.dir.root(), script);
	CHECK(third.session->rememberRefusals(Refusals(state)) == 2);
}

TEST_CASE("given DenyModules=, a thousand devices should get one entry, and a lifted denial "
	  "should load the module for a later device")
{
	FixtureRoot root;
	Session s(root.dir.root());
	s.resolver->setDenyForDevices({{"fx_alias", "/etc/modloadd.conf", 2}});
	std::vector<Request> devices;
	for (unsigned i = 0; i < 1000; i++)
		devices.push_back(device(i, kVirtioNetModalias));
	// Another modalias the same module claims.
	devices.push_back(device(1000, "pci:v00001AF4d00001000sv00001AF4sd00000002bc02sc00i00"));
	s.run(devices);
	s.run({device(1001, kVirtioNetModalias)});
	CHECK(s.backend.attempts().empty());
	auto records = s.recordsFor("fx_alias");
	REQUIRE(records.size() == 1);
	CHECK(records[0].field("MODLOADD_OUTCOME") == "blacklisted");
	CHECK(records[0].field("MODLOADD_DENIED_BY") == "fx_alias (/etc/modloadd.conf:2)");
	CHECK(records[0].field("MODLOADD_DEVPATH") == "/devices/platform/fx.0");
	CHECK(records[0].field("MODLOADD_MODALIAS") == kVirtioNetModalias);
	CHECK_THAT(records[0].message, Catch::Contains("/devices/platform/fx.0") &&
					       Catch::Contains("DenyModules=fx_alias") &&
					       Catch::Contains("/etc/modloadd.conf:2"));
	CHECK(s.session->tally().count(OutcomeKind::Blacklisted) == 1);
	CHECK(s.session->progress().find("1/1 settled") != std::string::npos);

	// A reload empties the list: the next device's ask loads it, counted once.
	s.resolver->setDenyForDevices({});
	REQUIRE(s.session->reopenIndex());
	s.run({device(1002, kVirtioNetModalias)});
	CHECK(s.backend.attempts() == std::map<std::string, unsigned>{{"fx_alias", 1}});
	CHECK(s.session->tally().count(OutcomeKind::Blacklisted) == 0);
	CHECK(s.session->tally().count(OutcomeKind::Inserted) == 1);
	CHECK(s.session->loader().withdrawn() == 1);
	CHECK(s.session->progress().find("1/1 settled") != std::string::npos);
	CHECK(s.recordsFor("fx_alias").size() == 2);
}

TEST_CASE("given DenyModules=, a module a person lists beside a device should load")
{
	FixtureRoot root;
	Session s(root.dir.root());
	s.resolver->setDenyForDevices({{"fx_*", "/etc/modloadd.conf", 2}});
	s.run({device(0, kVirtioNetModalias), named("fs-fxfs")});
	CHECK(s.backend.attempts() == std::map<std::string, unsigned>{{"fx_alias", 1}});
	CHECK(s.outcome("fx_alias").kind == OutcomeKind::Inserted);
	CHECK(s.session->tally().count(OutcomeKind::Blacklisted) == 0);
}
