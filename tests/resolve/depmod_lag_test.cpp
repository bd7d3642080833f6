// A module tree changed after depmod ran, against the fixture tree: a file modules.dep lists
// that is gone, a module file or directory newer than modules.dep, and a fresh tree.
#include "load/loader.h"
#include "load/simulated_backend.h"
#include "report/plan_output.h"
#include "resolve/module_graph.h"
#include "resolve/module_index.h"
#include "tree_support.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>

using namespace modloadd;
using namespace modloadd::testing;
namespace fs = std::filesystem;

namespace {

constexpr const char *kFixtureDir = "/lib/modules/6.1.0-fixture/kernel/drivers/fixture";
constexpr const char *kFix = "run depmod -a 6.1.0-fixture";

struct Root : FixtureRoot {
	std::optional<ModuleIndex> index;

	ModuleGraph graph(const std::vector<std::string> &names)
	{
		auto tree = findKernelTree(dir.root(), std::string(kFixtureKernel));
		REQUIRE(tree);
		auto opened = ModuleIndex::open(dir.root(), *tree);
		REQUIRE(opened);
		index.emplace(std::move(*opened));
		std::vector<Request> requests;
		for (const std::string &n : names)
			requests.push_back({n, "test:" + n});
		return buildModuleGraph(*index, requests, {});
	}
};

std::vector<std::string> after(const ModuleGraph &g, const std::string &name)
{
	std::vector<std::string> out;
	for (const ModuleEdge &e : find(g, name).waitsFor)
		out.push_back(g.modules[e.module].name);
	return out;
}

} // namespace

TEST_CASE("given a dependency's file removed after depmod, we should plan it missing and its "
	  "users failed for it, and attempt none of them")
{
	Root root;
	root.removeAfterDepmod("fx_chain_c.ko");
	auto g = root.graph({"fx_chain_a", "fx_dia_top"});
	std::string missing = std::string(kFixtureDir) + "/fx_chain_c.ko";

	// The missing module stays in the graph, with its file and the fix.
	const PlannedModule &c = find(g, "fx_chain_c");
	CHECK(c.planned == OutcomeKind::NotFound);
	CHECK(c.reason.find(missing) != std::string::npos);
	CHECK(c.reason.find(kFix) != std::string::npos);
	// Its users wait for it and fail for it: libkmod alone had dropped the whole dependency
	// list and planned them as inserts.
	CHECK(after(g, "fx_chain_b") == std::vector<std::string>{"fx_chain_c"});
	CHECK(after(g, "fx_chain_a") == std::vector<std::string>{"fx_chain_b"});
	for (const char *user : {"fx_chain_b", "fx_chain_a"}) {
		INFO(user);
		CHECK(find(g, user).planned == OutcomeKind::Failed);
		CHECK(find(g, user).reason.find(missing) != std::string::npos);
		CHECK(find(g, user).reason.find(kFix) != std::string::npos);
	}
	CHECK(find(g, "fx_chain_b").reason.find("dependency 'fx_chain_c' is missing") == 0);
	CHECK(planned(g, OutcomeKind::Inserted) ==
	      std::set<std::string>{"fx_dia_top", "fx_dia_left", "fx_dia_right", "fx_dia_base"});
	CHECK(isLoadOrder(g));
	CHECK(root.index->depmodLag().missing == std::vector<std::string>{missing});

	// Through the loader: settled without an attempt, failed with the cause.
	SimulatedBackend backend(SimulationScript::uniform(0));
	Loader loader(backend, 2);
	loader.add(g);
	loader.waitIdle();
	auto attempts = backend.attempts();
	for (const char *name : {"fx_chain_a", "fx_chain_b", "fx_chain_c"})
		CHECK(attempts.count(name) == 0);
	CHECK(attempts.count("fx_dia_top") == 1);
	for (size_t i = 0; i < loader.size(); i++) {
		const std::string &name = loader.module(i).name;
		INFO(name);
		REQUIRE(loader.outcome(i));
		if (name == "fx_chain_c") {
			CHECK(loader.outcome(i)->kind == OutcomeKind::NotFound);
		} else if (name == "fx_chain_a" || name == "fx_chain_b") {
			CHECK(loader.outcome(i)->kind == OutcomeKind::Failed);
			CHECK(loader.outcome(i)->err == ENOENT);
			CHECK(loader.outcome(i)->cause.find(kFix) != std::string::npos);
		}
	}
}

TEST_CASE("given a module file newer than modules.dep, we should find it and warn once with the "
	  "fix")
{
	Root root;
	std::string version = root.ownModules();
	root.changeAfterDepmod(version, version + "/kernel/drivers/fixture/fx_soft.ko", 10);
	auto g = root.graph({"fx_soft", "fx_chain_a"});
	CHECK(planned(g, OutcomeKind::Inserted).count("fx_soft") == 1);
	const DepmodLag &lag = root.index->depmodLag();
	CHECK(lag.missing.empty());
	CHECK(lag.newer == std::vector<std::string>{std::string(kFixtureDir) + "/fx_soft.ko"});

	Diagnostic warning = depmodWarning(root.index->tree(), lag);
	CHECK(warning.file == "/lib/modules/6.1.0-fixture/modules.dep");
	CHECK(warning.message.find(std::string(kFixtureDir) + "/fx_soft.ko") != std::string::npos);
	CHECK(warning.message.find(kFix) != std::string::npos);
}

TEST_CASE("given a module directory changed after depmod, we should find it once")
{
	Root root;
	std::string version = root.ownModules();
	fs::create_directories(version + "/updates");
	root.changeAfterDepmod(version, version + "/updates", 5);
	root.changeAfterDepmod(version, version + "/kernel/drivers/fixture", 5);
	root.graph({"fx_chain_a", "fx_dia_top"});
	CHECK(root.index->depmodLag().newer ==
	      std::vector<std::string>{"/lib/modules/6.1.0-fixture/updates/",
				       std::string(kFixtureDir) + "/"});
}

TEST_CASE("given a fresh tree, we should find nothing changed after depmod")
{
	Root root;
	std::vector<std::string> names;
	auto g = root.graph({"fx_chain_a"});
	for (const std::string &name : root.index->allModules())
		names.push_back(name);
	g = root.graph(names);
	CHECK(planned(g, OutcomeKind::NotFound).empty());
	CHECK(planned(g, OutcomeKind::Failed).empty());
	CHECK_FALSE(root.index->depmodLag().any());
}
