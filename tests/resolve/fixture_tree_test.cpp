// Resolution against a real module tree built from the fixture modules (cc -c, depmod -b),
// judged against modprobe --show-depends on the same tree.
#include "config/kernel_cmdline.h"
#include "config/modules_load_d.h"
#include "load/insert_result.h"
#include "load/loader.h"
#include "resolve/module_graph.h"
#include "resolve/module_index.h"
#include "tree_support.h"

#include <catch2/catch.hpp>
#include <filesystem>

using namespace modloadd;
using namespace modloadd::testing;

namespace {

// A root that shares the fixture modules but has its own /etc, /proc.
struct Root : FixtureRoot {
	Root() { dir.mkdir("/etc/modprobe.d"); }
	ModuleGraph graph(const std::vector<std::string> &names, ResolveOptions options = {})
	{
		auto tree = findKernelTree(dir.root(), std::string(kFixtureKernel));
		REQUIRE(tree);
		auto index = ModuleIndex::open(dir.root(), *tree);
		REQUIRE(index);
		std::vector<Request> requests;
		for (const std::string &n : names)
			requests.push_back({n, "test:" + n});
		return buildModuleGraph(*index, requests, options);
	}
};

std::vector<std::string> after(const ModuleGraph &g, const std::string &name)
{
	std::vector<std::string> out;
	for (const ModuleEdge &e : find(g, name).waitsFor)
		out.push_back(g.modules[e.module].name);
	std::sort(out.begin(), out.end());
	return out;
}

size_t position(const ModuleGraph &g, const std::string &name)
{
	for (size_t i = 0; i < g.modules.size(); i++)
		if (g.modules[i].name == name)
			return i;
	return g.modules.size();
}

} // namespace

TEST_CASE("given a chain of hard dependencies, we should load it deepest first")
{
	Root root;
	auto g = root.graph({"fx_chain_a"});
	CHECK(planned(g, OutcomeKind::Inserted) ==
	      std::set<std::string>{"fx_chain_a", "fx_chain_b", "fx_chain_c"});
	CHECK(after(g, "fx_chain_a") == std::vector<std::string>{"fx_chain_b"});
	CHECK(after(g, "fx_chain_b") == std::vector<std::string>{"fx_chain_c"});
	CHECK(isLoadOrder(g));
	// Origins name the direct user only, though modules.dep lists c under a as well.
	CHECK(find(g, "fx_chain_c").origins ==
	      std::vector<std::string>{"dependency of fx_chain_b"});
}

TEST_CASE("given a diamond, we should keep only direct edges and the base once")
{
	Root root;
	auto g = root.graph({"fx_dia_top"});
	CHECK(g.modules.size() == 4);
	CHECK(after(g, "fx_dia_top") == std::vector<std::string>{"fx_dia_left", "fx_dia_right"});
	CHECK(after(g, "fx_dia_left") == std::vector<std::string>{"fx_dia_base"});
	CHECK(position(g, "fx_dia_base") == 0);
}

TEST_CASE("given softdeps, we should load pre before and post after the module")
{
	Root root;
	auto g = root.graph({"fx_soft"});
	CHECK(planned(g, OutcomeKind::Inserted) ==
	      std::set<std::string>{"fx_soft", "fx_soft_pre", "fx_soft_post", "fx_soft_hard"});
	CHECK(after(g, "fx_soft") == std::vector<std::string>{"fx_soft_hard", "fx_soft_pre"});
	CHECK(after(g, "fx_soft_post") == std::vector<std::string>{"fx_soft"});
	// Soft edges order but do not carry failure.
	for (const ModuleEdge &e : find(g, "fx_soft").waitsFor)
		CHECK(e.hard == (g.modules[e.module].name == "fx_soft_hard"));
}

TEST_CASE("given a softdep cycle, we should load both once and not wait forever")
{
	Root root;
	auto g = root.graph({"fx_cyc_x"});
	CHECK(planned(g, OutcomeKind::Inserted) == std::set<std::string>{"fx_cyc_x", "fx_cyc_y"});
	CHECK(isLoadOrder(g));
	Scheduler s(jobsOf(g));
	size_t attempts = 0;
	while (auto j = s.next()) {
		attempts++;
		s.finish(*j, classifyInsertResult(0));
	}
	CHECK(s.done());
	CHECK(attempts == 2);
}

TEST_CASE("given aliases and modaliases, we should resolve them as modprobe does")
{
	Root root;
	CHECK(planned(root.graph({"pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00"}),
		      OutcomeKind::Inserted) == std::set<std::string>{"fx_alias"});
	CHECK(planned(root.graph({"fs-fxfs"}), OutcomeKind::Inserted) ==
	      std::set<std::string>{"fx_alias"});
	CHECK(planned(root.graph({"fx-twin"}), OutcomeKind::Inserted) ==
	      std::set<std::string>{"fx_twin_a", "fx_twin_b"});
	CHECK(planned(root.graph({"dash-name"}), OutcomeKind::Inserted) ==
	      std::set<std::string>{"dash_name"});
	CHECK(planned(root.graph({"dash_name"}), OutcomeKind::Inserted) ==
	      std::set<std::string>{"dash_name"});
}

TEST_CASE("given builtin modules and unknown names, we should not plan insertions")
{
	Root root;
	auto g = root.graph({"fixbuiltin", "fs-fxbuiltinfs", "no_such_module_anywhere"});
	CHECK(planned(g, OutcomeKind::Builtin) == std::set<std::string>{"fixbuiltin"});
	CHECK(planned(g, OutcomeKind::NotFound) ==
	      std::set<std::string>{"no_such_module_anywhere"});
	CHECK(planned(g, OutcomeKind::Inserted).empty());
	CHECK(find(g, "fixbuiltin").origins ==
	      std::vector<std::string>{"test:fixbuiltin", "test:fs-fxbuiltinfs"});
}

TEST_CASE("given the same module named many ways, we should plan it once with every origin")
{
	Root root;
	auto g = root.graph({"fx_chain_c", "fx-chain-c", "fx_chain_a", "fx_chain_c"});
	CHECK(g.modules.size() == 3);
	auto &c = find(g, "fx_chain_c");
	CHECK(std::count(c.origins.begin(), c.origins.end(), "test:fx_chain_c") == 1);
	CHECK(std::count(c.origins.begin(), c.origins.end(), "test:fx-chain-c") == 1);
}

TEST_CASE("given a modprobe.d blacklist, we should skip the requested module but not a "
	  "dependency of another request")
{
	Root root;
	root.dir.write("etc/modprobe.d/bl.conf", "blacklist fx_blk_victim\n");
	auto g = root.graph({"fx_blk_victim"});
	CHECK(planned(g, OutcomeKind::Blacklisted) == std::set<std::string>{"fx_blk_victim"});
	CHECK(find(g, "fx_blk_victim").reason == "blacklisted in modprobe.d");
	CHECK(planned(g, OutcomeKind::Blacklisted).size() == 1);

	// modprobe loads a blacklisted module as a dependency: so do we.
	auto g2 = root.graph({"fx_blk_victim", "fx_blk_user"});
	CHECK(planned(g2, OutcomeKind::Inserted) ==
	      std::set<std::string>{"fx_blk_victim", "fx_blk_user"});
}

TEST_CASE("given DenyModules=, we should hold back what only a device asks for, and its "
	  "dependencies and softdeps with it")
{
	Root root;
	ResolveOptions options;
	options.denyForDevices = {{"fx_alias", "/etc/modloadd.conf", 3},
				  {"fx_soft", "/etc/modloadd.conf", 4},
				  {"fx_chain_[bc]", "/etc/modloadd.conf", 5}};
	auto tree = findKernelTree(root.dir.root(), std::string(kFixtureKernel));
	REQUIRE(tree);
	auto index = ModuleIndex::open(root.dir.root(), *tree);
	REQUIRE(index);
	const std::string modalias = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
	auto device = [&](std::string name, std::string devpath, std::string alias = {}) {
		return Request{std::move(name), "device " + devpath, devpath, std::move(alias)};
	};
	auto g = buildModuleGraph(*index,
				  {device(modalias, "/devices/pci0000:00/0000:00:03.0", modalias),
				   device("fx_soft", "/devices/platform/soft"),
				   device("fx_chain_a", "/devices/platform/chain")},
				  options);
	const PlannedModule &alias = find(g, "fx_alias");
	CHECK(alias.planned == OutcomeKind::Blacklisted);
	CHECK(alias.deniedBy == "fx_alias (/etc/modloadd.conf:3)");
	CHECK_THAT(alias.reason, Catch::Contains("DenyModules=fx_alias (/etc/modloadd.conf:3)"));
	CHECK(alias.devices ==
	      std::vector<DeviceRef>{{"/devices/pci0000:00/0000:00:03.0", modalias}});
	// Held like a blacklisted root: nothing it would have pulled in is planned.
	CHECK(find(g, "fx_soft").planned == OutcomeKind::Blacklisted);
	for (const PlannedModule &m : g.modules)
		CHECK_FALSE(startsWith(m.name, "fx_soft_"));
	// The glob denies a root, not a dependency of a module that may load.
	CHECK(find(g, "fx_chain_a").planned == OutcomeKind::Inserted);
	CHECK(find(g, "fx_chain_b").planned == OutcomeKind::Inserted);
	CHECK(find(g, "fx_chain_b").deniedBy.empty());
	CHECK(find(g, "fx_chain_c").planned == OutcomeKind::Inserted);

	// A person's ask beside the device's: loaded, with both origins.
	auto g2 = buildModuleGraph(*index,
				   {device(modalias, "/devices/pci0000:00/0000:00:03.0", modalias),
				    {"fs-fxfs", "/etc/modules-load.d/fx.conf:1"}},
				   options);
	CHECK(find(g2, "fx_alias").planned == OutcomeKind::Inserted);
	CHECK(find(g2, "fx_alias").deniedBy.empty());
	CHECK(find(g2, "fx_alias").origins.size() == 2);
	// A person's ask alone is never denied.
	auto g3 = buildModuleGraph(*index, {{"fx_soft", "rule /etc/x.rules:4"}}, options);
	CHECK(planned(g3, OutcomeKind::Inserted) ==
	      std::set<std::string>{"fx_soft", "fx_soft_hard", "fx_soft_pre", "fx_soft_post"});
	// Without the setting, the device's modules load.
	auto g4 = buildModuleGraph(*index, {device("fx_soft", "/devices/platform/soft")}, {});
	CHECK(find(g4, "fx_soft").planned == OutcomeKind::Inserted);
}

TEST_CASE("given a command-line blacklist and live modules, we should honour both")
{
	Root root;
	ResolveOptions options;
	options.blacklist = {"fx_dia_top"};
	options.live = {"fx_chain_b"};
	auto g = root.graph({"fx_dia_top", "fx_chain_a"}, options);
	CHECK(find(g, "fx_dia_top").planned == OutcomeKind::Blacklisted);
	CHECK(find(g, "fx_dia_top").reason == "blacklisted on the kernel command line");
	CHECK(find(g, "fx_chain_b").planned == OutcomeKind::AlreadyLoaded);
	CHECK(find(g, "fx_chain_b").waitsFor.empty());
	// modules.dep lists c under a too; like modprobe, each module is checked on its own.
	CHECK(find(g, "fx_chain_c").planned == OutcomeKind::Inserted);
	CHECK(find(g, "fx_chain_a").planned == OutcomeKind::Inserted);
}

TEST_CASE("given module_blacklist=, we should refuse the module even as a dependency")
{
	Root root;
	ResolveOptions options;
	options.forbidden = {"fx_chain_b"};
	auto g = root.graph({"fx_chain_a"}, options);
	CHECK(find(g, "fx_chain_b").planned == OutcomeKind::Blacklisted);
	Scheduler s(jobsOf(g));
	std::vector<std::string> attempted;
	while (auto j = s.next()) {
		attempted.push_back(s.job(*j).name);
		s.finish(*j, classifyInsertResult(0));
	}
	// c is in a's modules.dep line and loads as modprobe would load it; a never gets tried.
	CHECK(attempted == std::vector<std::string>{"fx_chain_c"});
	size_t a = position(g, "fx_chain_a");
	CHECK(s.outcome(a)->kind == OutcomeKind::Blacklisted);
	CHECK(s.outcome(a)->err == 0);
	// The plan says so before any attempt.
	CHECK(find(g, "fx_chain_a").planned == OutcomeKind::Blacklisted);
	CHECK(find(g, "fx_chain_a").reason == "dependency 'fx_chain_b' blacklisted");

	// Requested directly, the reason is the kernel's refusal, not a modprobe blacklist.
	auto g2 = root.graph({"fx_chain_b"}, options);
	CHECK(find(g2, "fx_chain_b").reason ==
	      "the kernel refuses it (module_blacklist= on the command line)");
}

TEST_CASE("given options and install commands in modprobe.d, we should carry or refuse them")
{
	Root root;
	root.dir.write("etc/modprobe.d/x.conf", "options fx_chain_c debug=1 level=3\n"
						"install fx_dia_top /bin/true\n");
	auto g = root.graph({"fx_chain_a", "fx_dia_top"});
	CHECK(find(g, "fx_chain_c").options == "debug=1 level=3");
	auto &top = find(g, "fx_dia_top");
	CHECK(top.planned == OutcomeKind::Blacklisted);
	CHECK(top.reason.find("InstallCommands=deny") != std::string::npos);
	// Denied: its dependencies are not pulled in for it.
	CHECK(position(g, "fx_dia_base") == g.modules.size());

	ResolveOptions allow;
	allow.allowInstallCommands = true;
	auto g2 = root.graph({"fx_dia_top"}, allow);
	CHECK(find(g2, "fx_dia_top").planned == OutcomeKind::Inserted);
	CHECK(find(g2, "fx_dia_top").installCommand == "/bin/true");
}

TEST_CASE("given every fixture name and alias, we should insert exactly what modprobe does")
{
	Root root;
	const std::vector<std::string> names = {
		"fx_chain_a",	   "fx_chain_b",
		"fx_chain_c",	   "fx_dia_top",
		"fx_dia_left",	   "fx_dia_base",
		"fx_soft",	   "fx_soft_pre",
		"fx_soft_missing", "fx_alias",
		"fs-fxfs",	   "fx-alias-plain",
		"fx-twin",	   "dash-name",
		"fx-dash-alias",   "fx_uses_builtin",
		"fx_blk_user",	   "fx_cyc_x",
		"fx_cyc_y",	   "fixbuiltin",
		"fs-fxbuiltinfs",  "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00"};
	for (const std::string &name : names) {
		CAPTURE(name);
		auto m = modprobeShowDepends(root.dir.root(), kFixtureKernel,
					     root.dir.root() + "/etc/modprobe.d", name, true);
		INFO(m.output);
		REQUIRE(m.status == 0);
		auto g = root.graph({name});
		CHECK(planned(g, OutcomeKind::Inserted) ==
		      std::set<std::string>(m.inserts.begin(), m.inserts.end()));
		CHECK(planned(g, OutcomeKind::Builtin) == m.builtins);
		CHECK(isLoadOrder(g));
	}
}

// libkmod normalises a key in a PATH_MAX buffer: a 4096-byte key whose '[' closes at the end
// writes past it (seen under ASan). The index refuses such a key, whoever asks.
TEST_CASE("given lookup keys at and past libkmod's length limit, the index should take the "
	  "first and refuse the second")
{
	Root root;
	auto tree = findKernelTree(root.dir.root(), std::string(kFixtureKernel));
	REQUIRE(tree);
	auto index = ModuleIndex::open(root.dir.root(), *tree);
	REQUIRE(index);
	std::string longest = "fx_alias" + std::string(4095 - 9, 'x') + "*";
	REQUIRE(longest.size() == 4095);
	auto found = index->lookup(longest);
	REQUIRE(found);
	CHECK(found->empty());
	std::string bracket = "[" + std::string(4093, 'a') + "]";
	REQUIRE(bracket.size() == 4095);
	CHECK(index->lookup(bracket));
	auto tooLong = index->lookup("[" + std::string(4094, 'a') + "]");
	REQUIRE(!tooLong);
	CHECK(tooLong.error().code == -ENAMETOOLONG);
	CHECK(index->info(std::string(4096, 'a')) == nullptr);
	// The same key from every source stops before the index: modules-load.d, the command line.
	root.dir.write("etc/modules-load.d/long.conf", std::string(4096, 'a') + "\nfx_soft\n");
	Diagnostics diags;
	auto requests = readModulesLoadD(root.dir.root(), diags);
	REQUIRE(requests.size() == 1);
	CHECK(requests[0].name == "fx_soft");
	REQUIRE(diags.size() == 1);
	CHECK(diags[0].line == 1);
	CHECK(diags[0].message.find("is longer than 4095 bytes") != std::string::npos);
	KernelCmdline cmdline = parseKernelCmdline(
		"modules_load=" + std::string(4096, 'b') + ",fx_soft", false, diags);
	REQUIRE(cmdline.modulesLoad.size() == 1);
	CHECK(cmdline.modulesLoad[0].name == "fx_soft");
	CHECK(diags.size() == 2);
}

TEST_CASE("given one module asked for many times, the graph should keep each origin and device "
	  "once, in the order first seen")
{
	Root root;
	auto tree = findKernelTree(root.dir.root(), std::string(kFixtureKernel));
	REQUIRE(tree);
	auto index = ModuleIndex::open(root.dir.root(), *tree);
	REQUIRE(index);
	std::vector<Request> requests;
	for (int i = 0; i < 3; i++) {
		requests.push_back({"fx_soft", "/etc/modules-load.d/b.conf:1"});
		requests.push_back({"fx_soft", "/etc/modules-load.d/a.conf:1"});
		requests.push_back({"fx_soft", "device", "/devices/x", "x:y"});
		requests.push_back({"fx_soft", "device", "/devices/z", "x:y"});
		requests.push_back({"fx_no_such", "/etc/modules-load.d/c.conf:2"});
	}
	ModuleGraph g = buildModuleGraph(*index, requests, {});
	const PlannedModule &m = find(g, "fx_soft");
	CHECK(m.origins == std::vector<std::string>{"/etc/modules-load.d/b.conf:1",
						    "/etc/modules-load.d/a.conf:1", "device"});
	CHECK(m.devices == std::vector<DeviceRef>{{"/devices/x", "x:y"}, {"/devices/z", "x:y"}});
	CHECK(find(g, "fx_no_such").origins ==
	      std::vector<std::string>{"/etc/modules-load.d/c.conf:2"});
	CHECK(find(g, "fx_soft_hard").origins == std::vector<std::string>{"dependency of fx_soft"});
	CHECK(isLoadOrder(g));
}
