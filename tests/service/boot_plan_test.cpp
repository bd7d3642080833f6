// The boot planner against the fixture module tree: the static lists of a whole root, planned
// as the daemon takes them.
#include "service/boot_plan.h"
#include "tree_support.h"

#include <catch2/catch.hpp>

using namespace modloadd;
using namespace modloadd::testing;

namespace {

// A root that shares the fixture modules but has its own /etc, /proc.
struct Root : FixtureRoot {
	Root() { dir.mkdir("/etc/modprobe.d"); }
};

} // namespace

TEST_CASE("given a whole root, we should plan modules-load.d and the command line together")
{
	Root root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\n# comment\nfs-fxfs\nnope_mod\n");
	root.dir.write("usr/lib/modules-load.d/b.conf", "fx_soft\n");
	root.dir.write("proc/cmdline", "quiet modules_load=fx_dia_top,fixbuiltin "
				       "modprobe.blacklist=fx_soft\n");
	root.dir.write("proc/modules", "fx_chain_c 16384 1 fx_chain_b, Live 0x0000000000000000\n");
	auto plan = makeBootPlan({root.dir.root(), std::string(kFixtureKernel), false}, false);
	REQUIRE(plan);
	CHECK(plan->requests.size() == 6);
	CHECK(plan->requests[0].origin == "kernel-cmdline");
	CHECK(plan->requests[2].origin == "/etc/modules-load.d/a.conf:1");
	CHECK(plan->requests[5].origin == "/usr/lib/modules-load.d/b.conf:1");
	auto &g = plan->graph;
	CHECK(find(g, "fx_chain_c").planned == OutcomeKind::AlreadyLoaded);
	CHECK(find(g, "fx_soft").planned == OutcomeKind::Blacklisted);
	CHECK(find(g, "fixbuiltin").planned == OutcomeKind::Builtin);
	CHECK(find(g, "nope_mod").planned == OutcomeKind::NotFound);
	CHECK(find(g, "fx_alias").origins ==
	      std::vector<std::string>{"/etc/modules-load.d/a.conf:3"});
	CHECK(isLoadOrder(g));
}

TEST_CASE("given DenyModules=, the plan should show a device's module as the daemon would load "
	  "it: denied alone, loaded when a rule names it too")
{
	Root root;
	const std::string virtio = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
	root.addDevice("/devices/pci0000:00/0000:00:03.0", "pci", "MODALIAS=" + virtio + "\n");
	BootInputs inputs{root.dir.root(),
			  std::string(kFixtureKernel),
			  false,
			  {{"fx_alias", "/etc/modloadd.conf.d/deny.conf", 2}}};
	auto plan = makeBootPlan(inputs, true);
	REQUIRE(plan);
	const PlannedModule &alias = find(plan->graph, "fx_alias");
	CHECK(alias.planned == OutcomeKind::Blacklisted);
	CHECK(alias.deniedBy == "fx_alias (/etc/modloadd.conf.d/deny.conf:2)");
	std::string table = planTable(*plan);
	INFO(table);
	CHECK(table.find("DenyModules=fx_alias (/etc/modloadd.conf.d/deny.conf:2)") !=
	      std::string::npos);

	// A rule is a person's ask: the module loads.
	root.dir.write("etc/modloadd/rules.d/50-fx.rules",
		       "[Match]\nConditionPathExists=/etc\n[Load]\nModules=fx_alias\n");
	auto ruled = makeBootPlan(inputs, true);
	REQUIRE(ruled);
	CHECK(find(ruled->graph, "fx_alias").planned == OutcomeKind::Inserted);
	CHECK(find(ruled->graph, "fx_alias").deniedBy.empty());
}
