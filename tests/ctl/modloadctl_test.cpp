// The modloadctl executable on a fixture root: the rules in `modloadctl plan`, as a table and as
// JSON.
#include "tree_support.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

using namespace modloadd::testing;

namespace {

std::string ctlBinary()
{
	return builtBinary("MODLOADCTL_BINARY");
}

const char *kVirtio = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";

struct Root : FixtureRoot {
	// `modloadctl plan` on this root; standard error apart, so JSON stays parseable.
	std::string plan(const std::string &extra, int &status)
	{
		return capture(fmt::format("'{}' plan --root '{}' --kernel {} {}", ctlBinary(),
					   dir.root(), kFixtureKernel, extra),
			       status);
	}

	nlohmann::json planJson(const std::string &extra)
	{
		int status = 0;
		std::string out = plan("--json " + extra, status);
		INFO(out);
		REQUIRE(status == 0);
		return nlohmann::json::parse(out);
	}
};

// The plan's module of that name, or null.
const nlohmann::json *moduleNamed(const nlohmann::json &plan, const std::string &name)
{
	for (const nlohmann::json &m : plan["modules"])
		if (m["name"] == name)
			return &m;
	return nullptr;
}

// Position in the load order, or -1.
int position(const nlohmann::json &plan, const std::string &name)
{
	for (size_t i = 0; i < plan["modules"].size(); i++)
		if (plan["modules"][i]["name"] == name)
			return static_cast<int>(i);
	return -1;
}

const nlohmann::json *ruleNamed(const nlohmann::json &plan, const std::string &name)
{
	for (const nlohmann::json &r : plan["rules"])
		if (r["name"] == name)
			return &r;
	return nullptr;
}

} // namespace

TEST_CASE("given a rule that holds, plan should resolve its modules with the rest and name the "
	  "rule file and Modules= line as their origin")
{
	Root root;
	root.dir.write("etc/marker", "x");
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\n");
	root.dir.write(
		"etc/modloadd/rules.d/10-path.rules",
		"[Rule]\nDescription=marker present\n[Match]\nConditionPathExists=/etc/marker\n"
		"[Load]\nModules=fx_dia_top fx_not_installed\n");
	int status = 0;
	std::string out = root.plan("", status);
	INFO(out);
	CHECK(status == 0);
	CHECK(out.find("Rules: 1 of 1 fire\n") != std::string::npos);
	CHECK(out.find("  10-path  /etc/modloadd/rules.d/10-path.rules  fires: fx_dia_top\n") !=
	      std::string::npos);
	CHECK(out.find("notice: /etc/modloadd/rules.d/10-path.rules:6: Rule '10-path': module "
		       "'fx_not_installed' is not installed, skipped\n") != std::string::npos);
	CHECK(out.find("; 2 requests (0 from devices, 1 from rules).") != std::string::npos);

	nlohmann::json plan = root.planJson("");
	const nlohmann::json *top = moduleNamed(plan, "fx_dia_top");
	REQUIRE(top);
	CHECK((*top)["action"] == "insert");
	CHECK((*top)["origins"] ==
	      nlohmann::json::array({"/etc/modloadd/rules.d/10-path.rules:6"}));
	// Resolved like any other request: its dependencies come first.
	for (auto dep : {"fx_dia_left", "fx_dia_right", "fx_dia_base"}) {
		INFO(dep);
		REQUIRE(position(plan, dep) >= 0);
		CHECK(position(plan, dep) < position(plan, "fx_dia_top"));
	}
	CHECK(position(plan, "fx_chain_a") >= 0);
	// A name not installed is a notice of the rule, not a missing module of the plan.
	CHECK(moduleNamed(plan, "fx_not_installed") == nullptr);
}

TEST_CASE("given a rule that does not hold, plan should show why and leave its modules out")
{
	Root root;
	root.dir.write("etc/modloadd/rules.d/20-never.rules",
		       "[Match]\nConditionPathExists=/etc/nothing\n[Load]\nModules=fx_soft\n");
	root.dir.write("etc/modloadd/rules.d/25-either.rules",
		       "[Match]\nConditionPathExists=|/etc/a\nConditionPathExists=|/etc/b\n"
		       "[Load]\nModules=fx_soft_pre\n");
	int status = 0;
	std::string out = root.plan("", status);
	INFO(out);
	CHECK(status == 0);
	CHECK(out.find("Rules: 0 of 2 fire\n") != std::string::npos);
	CHECK(out.find("  20-never   /etc/modloadd/rules.d/20-never.rules   does not fire: "
		       "ConditionPathExists=/etc/nothing\n") != std::string::npos);
	CHECK(out.find("  25-either  /etc/modloadd/rules.d/25-either.rules  does not fire: none "
		       "of the | conditions held (ConditionPathExists=|/etc/a, "
		       "ConditionPathExists=|/etc/b)\n") != std::string::npos);
	CHECK(out.find("fx_soft") == std::string::npos);
	CHECK(out.find("0 to insert") != std::string::npos);

	// Once the path exists, the same rule fires.
	root.dir.write("etc/nothing", "");
	nlohmann::json plan = root.planJson("");
	REQUIRE(moduleNamed(plan, "fx_soft"));
	CHECK((*moduleNamed(plan, "fx_soft"))["origins"] ==
	      nlohmann::json::array({"/etc/modloadd/rules.d/20-never.rules:4"}));
}

TEST_CASE("given device rules, plan should fire them with their device under ROOT/sys and not "
	  "with --no-devices")
{
	Root root;
	root.addDevice("/devices/pci0000:00/0000:00:03.0", "pci",
		       fmt::format("MODALIAS={}\n", kVirtio));
	root.dir.write("etc/modloadd/rules.d/30-pci.rules",
		       "[Match]\nConditionPCIDevice=1af4:1000:02*\n[Load]\nModules=fx_twin_a\n");
	root.dir.write(
		"etc/modloadd/rules.d/31-modalias.rules",
		"[Match]\nConditionModalias=pci:v00001AF4d*\n[Load]\nModules=fx_soft_post\n");
	root.dir.write("etc/modloadd/rules.d/32-no-virtio.rules",
		       "[Match]\nConditionPCIDevice=!1af4\n[Load]\nModules=fx_twin_b\n");

	nlohmann::json with = root.planJson("");
	INFO(with.dump(2));
	CHECK((*ruleNamed(with, "30-pci"))["fires"] == true);
	CHECK((*ruleNamed(with, "31-modalias"))["fires"] == true);
	CHECK((*ruleNamed(with, "32-no-virtio"))["fires"] == false);
	CHECK((*ruleNamed(with, "32-no-virtio"))["why"] == "ConditionPCIDevice=!1af4");
	REQUIRE(moduleNamed(with, "fx_twin_a"));
	CHECK((*moduleNamed(with, "fx_twin_a"))["origins"] ==
	      nlohmann::json::array({"/etc/modloadd/rules.d/30-pci.rules:4"}));
	REQUIRE(moduleNamed(with, "fx_soft_post"));
	CHECK(moduleNamed(with, "fx_twin_b") == nullptr);
	// The device's own request is there too.
	CHECK(moduleNamed(with, "fx_alias"));

	nlohmann::json without = root.planJson("--no-devices");
	INFO(without.dump(2));
	CHECK((*ruleNamed(without, "30-pci"))["fires"] == false);
	CHECK((*ruleNamed(without, "30-pci"))["why"] == "ConditionPCIDevice=1af4:1000:02*");
	CHECK((*ruleNamed(without, "31-modalias"))["fires"] == false);
	CHECK((*ruleNamed(without, "31-modalias"))["why"] == "ConditionModalias=pci:v00001AF4d*");
	CHECK((*ruleNamed(without, "32-no-virtio"))["fires"] == true);
	CHECK(moduleNamed(without, "fx_twin_a") == nullptr);
	CHECK(moduleNamed(without, "fx_soft_post") == nullptr);
	CHECK(moduleNamed(without, "fx_alias") == nullptr);
	CHECK(moduleNamed(without, "fx_twin_b"));

	// Coldplug=no is --no-devices in modloadd.conf: the daemon's rules see no device either.
	root.dir.write("etc/modloadd.conf", "[Devices]\nColdplug=no\n");
	nlohmann::json noColdplug = root.planJson("");
	CHECK((*ruleNamed(noColdplug, "30-pci"))["fires"] == false);
	CHECK((*ruleNamed(noColdplug, "32-no-virtio"))["fires"] == true);
}

TEST_CASE("given a broken rule file, plan should warn with its file and line and leave it out")
{
	Root root;
	root.dir.write("etc/modloadd/rules.d/50-broken.rules",
		       "[Match]\nConditionNoSuchThing=1\n[Load]\nModules=fx_twin_b\n");
	root.dir.write("etc/modloadd/rules.d/60-good.rules", "[Load]\nModules=fx_chain_c\n");
	int status = 0;
	std::string out = root.plan("", status);
	INFO(out);
	CHECK(status == 0);
	CHECK(out.find("Rules: 1 of 1 fire\n") != std::string::npos);
	CHECK(out.find("warning: /etc/modloadd/rules.d/50-broken.rules:2: Unknown condition "
		       "'ConditionNoSuchThing', ignoring\n") != std::string::npos);
	CHECK(out.find("warning: /etc/modloadd/rules.d/50-broken.rules: Rule '50-broken' "
		       "skipped: it has errors\n") != std::string::npos);
	CHECK(out.find("2 configuration warnings") != std::string::npos);
	CHECK(out.find("fx_twin_b") == std::string::npos);

	nlohmann::json plan = root.planJson("");
	REQUIRE(plan["rules"].size() == 1);
	CHECK(plan["rules"][0]["name"] == "60-good");
	REQUIRE(plan["warnings"].size() == 2);
	CHECK(plan["warnings"][0]["file"] == "/etc/modloadd/rules.d/50-broken.rules");
	CHECK(plan["warnings"][0]["line"] == 2);
}

TEST_CASE("given a glob in Modules=, plan should expand it over the module tree")
{
	Root root;
	root.dir.write("etc/modloadd/rules.d/70-glob.rules",
		       "[Load]\nModules=fx_chain_*\nModules=fx_nomatch_*\n");
	int status = 0;
	std::string out = root.plan("", status);
	INFO(out);
	CHECK(status == 0);
	CHECK(out.find("fires: fx_chain_a, fx_chain_b, fx_chain_c\n") != std::string::npos);
	CHECK(out.find("notice: /etc/modloadd/rules.d/70-glob.rules:3: Rule '70-glob': no "
		       "installed module matches 'fx_nomatch_*', nothing to load for it\n") !=
	      std::string::npos);

	nlohmann::json plan = root.planJson("");
	// Each expanded module is a request of its own; the chain's order holds.
	for (auto m : {"fx_chain_a", "fx_chain_b", "fx_chain_c"}) {
		INFO(m);
		REQUIRE(moduleNamed(plan, m));
		CHECK((*moduleNamed(plan, m))["origins"][0] ==
		      "/etc/modloadd/rules.d/70-glob.rules:2");
	}
	CHECK(position(plan, "fx_chain_c") < position(plan, "fx_chain_b"));
	CHECK(position(plan, "fx_chain_b") < position(plan, "fx_chain_a"));
}

TEST_CASE("given rules, plan --json should describe each with the documented fields")
{
	Root root;
	root.dir.write("etc/marker", "x");
	root.dir.write(
		"etc/modloadd/rules.d/10-path.rules",
		"[Rule]\nDescription=marker present\n[Match]\nConditionPathExists=/etc/marker\n"
		"[Load]\nModules=fx_dia_top fx_not_installed\n");
	root.dir.write("usr/lib/modloadd/rules.d/20-never.rules",
		       "[Match]\nConditionPathExists=/etc/nothing\n[Load]\nModules=fx_soft\n");
	nlohmann::json plan = root.planJson("");
	INFO(plan.dump(2));
	REQUIRE(plan["rules"].size() == 2);

	const nlohmann::json &fires = plan["rules"][0];
	CHECK(fires.size() == 7);
	CHECK(fires["name"] == "10-path");
	CHECK(fires["file"] == "/etc/modloadd/rules.d/10-path.rules");
	CHECK(fires["description"] == "marker present");
	CHECK(fires["fires"] == true);
	CHECK(fires["why"].is_null());
	CHECK(fires["modules"] == nlohmann::json::array({"fx_dia_top"}));
	REQUIRE(fires["notices"].size() == 1);
	CHECK(fires["notices"][0]["file"] == "/etc/modloadd/rules.d/10-path.rules");
	CHECK(fires["notices"][0]["line"] == 6);
	CHECK(fires["notices"][0]["message"] ==
	      "Rule '10-path': module 'fx_not_installed' is not installed, skipped");

	const nlohmann::json &never = plan["rules"][1];
	CHECK(never["name"] == "20-never");
	CHECK(never["file"] == "/usr/lib/modloadd/rules.d/20-never.rules");
	CHECK(never["description"] == "");
	CHECK(never["fires"] == false);
	CHECK(never["why"] == "ConditionPathExists=/etc/nothing");
	CHECK(never["modules"] == nlohmann::json::array());
	CHECK(never["notices"] == nlohmann::json::array());
	CHECK(plan["warnings"] == nlohmann::json::array());
}

TEST_CASE("given a dependency's file removed after depmod, plan should show it missing, its "
	  "users failing after it, and warn once with the fix")
{
	Root root;
	root.removeAfterDepmod("fx_chain_c.ko");
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_a\nfx_dia_top\n");
	int status = 0;
	std::string out = root.plan("2>&1", status);
	INFO(out);
	CHECK(status == 0);
	// libkmod's own ERROR lines are not printed: the plan says it.
	CHECK(out.find("libkmod") == std::string::npos);
	CHECK(out.find("4 to insert, 0 builtin, 0 already loaded, 0 blacklisted, 1 missing, 2 will "
		       "fail; 2 requests") != std::string::npos);
	const std::string warning = "warning: /lib/modules/6.1.0-fixture/modules.dep: out of date";
	CHECK(occurrences(out, warning) == 1);
	CHECK(out.find("/lib/modules/6.1.0-fixture/kernel/drivers/fixture/fx_chain_c.ko); run "
		       "depmod -a 6.1.0-fixture\n") != std::string::npos);

	nlohmann::json plan = root.planJson("");
	const nlohmann::json *c = moduleNamed(plan, "fx_chain_c");
	const nlohmann::json *b = moduleNamed(plan, "fx_chain_b");
	REQUIRE(c);
	REQUIRE(b);
	CHECK((*c)["action"] == "missing");
	CHECK((*b)["action"] == "fail");
	CHECK((*b)["after"] == nlohmann::json::array({"fx_chain_c"}));
	CHECK((*moduleNamed(plan, "fx_chain_a"))["action"] == "fail");
	REQUIRE(plan["warnings"].size() == 1);
	CHECK(plan["warnings"][0]["file"] == "/lib/modules/6.1.0-fixture/modules.dep");
	CHECK(plan["warnings"][0]["message"].get<std::string>().find(
		      "run depmod -a 6.1.0-fixture") != std::string::npos);
}

TEST_CASE("given a module file newer than modules.dep, plan should warn once with the fix; given "
	  "a fresh tree, not at all")
{
	Root root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_soft\n");
	int status = 0;
	std::string fresh = root.plan("2>&1", status);
	INFO(fresh);
	CHECK(fresh.find("warning:") == std::string::npos);
	CHECK(fresh.find("depmod") == std::string::npos);

	std::string version = root.ownModules();
	root.changeAfterDepmod(version, version + "/kernel/drivers/fixture/fx_soft_pre.ko", 10);
	std::string out = root.plan("2>&1", status);
	INFO(out);
	CHECK(status == 0);
	CHECK(occurrences(out, "warning: ") == 1);
	CHECK(out.find("warning: /lib/modules/6.1.0-fixture/modules.dep: out of date, depmod has "
		       "not run since the modules changed: newer module files or directories "
		       "(/lib/modules/6.1.0-fixture/kernel/drivers/fixture/fx_soft_pre.ko); run "
		       "depmod -a 6.1.0-fixture\n") != std::string::npos);
	nlohmann::json plan = root.planJson("");
	CHECK(plan["warnings"].size() == 1);
}

TEST_CASE("given modules_disabled=1 under the root, plan should warn that nothing will be loaded")
{
	Root root;
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
	root.dir.write("proc/sys/kernel/modules_disabled", "1\n");
	int status = 0;
	std::string out = root.plan("", status);
	INFO(out);
	CHECK(status == 0);
	CHECK(out.find("warning: /proc/sys/kernel/modules_disabled: module loading is disabled "
		       "(modules_disabled=1)") != std::string::npos);
	nlohmann::json plan = root.planJson("");
	REQUIRE(plan["warnings"].size() == 1);
	CHECK(plan["warnings"][0]["file"] == "/proc/sys/kernel/modules_disabled");

	root.dir.write("proc/sys/kernel/modules_disabled", "0\n");
	CHECK(root.planJson("")["warnings"].empty());
}

TEST_CASE("given links in the root that point out of it, plan should read the root's files only, "
	  "never the host's")
{
	// Stands for the host's files: the names in them must never reach the plan.
	TempDir host;
	host.write("/secret", "fx_host_secret\n");
	host.write("/modprobe.conf", "blacklist fx_chain_c\n");
	host.write("/conf.d/x.conf", "fx_host_dir\n");
	Root root;
	std::string climb = "../../../../../../../../../../../../../../..";
	// By the host's absolute path: inside the image, the same path is the image's own file.
	root.dir.symlink(host.path("/secret"), "etc/modules-load.d/abs.conf");
	root.dir.write(host.path("/secret"), "fx_chain_a\n");
	// By climbing: ".." stops at the root.
	root.dir.symlink(climb + host.path("/secret"), "etc/modules-load.d/rel.conf");
	root.dir.symlink(climb + host.path("/modprobe.conf"), "etc/modprobe.d/evil.conf");
	// A directory on the way.
	root.dir.symlink(climb + host.path("/conf.d"), "run/modules-load.d");
	root.dir.write("etc/modules-load.d/own.conf", "fx_chain_c\n");
	// A rule whose condition names a link out of the root: the host's file is not the root's.
	host.write("/only-on-host", "x\n");
	root.dir.symlink(climb + host.path("/only-on-host"), "etc/hostlink");
	root.dir.write("etc/modloadd/rules.d/10-link.rules",
		       "[Match]\nConditionPathExists=/etc/hostlink\n[Load]\nModules=fx_soft\n");

	int status = 0;
	std::string out = root.plan("", status);
	INFO(out);
	CHECK(status == 0);
	CHECK_FALSE(contains(out, "fx_host_secret"));
	CHECK_FALSE(contains(out, "fx_host_dir"));
	nlohmann::json plan = root.planJson("");
	CHECK(moduleNamed(plan, "fx_chain_a")); // abs.conf: the image's file at that path
	// Not blacklisted by the host's modprobe.d file: loaded.
	const nlohmann::json *c = moduleNamed(plan, "fx_chain_c");
	REQUIRE(c);
	CHECK((*c)["action"] == "insert");
	CHECK_FALSE(moduleNamed(plan, "fx_soft"));
	const nlohmann::json *rule = ruleNamed(plan, "10-link");
	REQUIRE(rule);
	CHECK((*rule)["fires"] == false);
}

TEST_CASE("given an index file that is a link out of the root, plan should refuse the indexes, not "
	  "read the host's")
{
	TempDir host;
	Root root;
	std::string version = root.ownModules();
	std::string index = version + "/modules.dep.bin";
	// The host has a copy of the very index; the image's link names it by its host path.
	host.write("/modules.dep.bin", readFile(index));
	REQUIRE(std::filesystem::remove(index));
	std::filesystem::create_symlink(host.path("/modules.dep.bin"), index);
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
	int status = 0;
	std::string out = root.plan("2>&1", status);
	INFO(out);
	CHECK(status != 0);
	CHECK(contains(out, "modules.dep.bin is a link that leads elsewhere than inside the root"));

	// A link by the root's own absolute path: inside the root it is the image's index, but
	// libkmod would open the host's path. Refused too.
	root.dir.write("/elsewhere/modules.dep.bin", readFile(host.path("/modules.dep.bin")));
	std::filesystem::remove(index);
	std::filesystem::create_symlink("/elsewhere/modules.dep.bin", index);
	out = root.plan("2>&1", status);
	CHECK(status != 0);
	CHECK(contains(out, "modules.dep.bin is a link that leads elsewhere than inside the root"));

	// A relative link that stays in the root: the host and the root agree, the index is read.
	std::filesystem::remove(index);
	std::filesystem::create_symlink("../../../elsewhere/modules.dep.bin", index);
	nlohmann::json plan = root.planJson("");
	const nlohmann::json *c = moduleNamed(plan, "fx_chain_c");
	REQUIRE(c);
	CHECK((*c)["action"] == "insert");
}

TEST_CASE("given a module file that is a link out of the root, plan should take it as missing, not "
	  "the host's file")
{
	TempDir host;
	Root root;
	std::string version = root.ownModules();
	std::string file = version + "/kernel/drivers/fixture/fx_chain_c.ko";
	// The host has the very file; the image's link names it by its host path.
	host.write("/fx_chain_c.ko", readFile(file));
	REQUIRE(std::filesystem::remove(file));
	std::filesystem::create_symlink(host.path("/fx_chain_c.ko"), file);
	root.dir.write("etc/modules-load.d/a.conf", "fx_chain_c\n");
	nlohmann::json plan = root.planJson("");
	const nlohmann::json *c = moduleNamed(plan, "fx_chain_c");
	REQUIRE(c);
	CHECK((*c)["action"] == "missing");

	// The same link made relative to the root resolves inside it: the file is the image's.
	root.dir.write("/elsewhere/fx_chain_c.ko", readFile(host.path("/fx_chain_c.ko")));
	std::filesystem::remove(file);
	std::filesystem::create_symlink("/elsewhere/fx_chain_c.ko", file);
	nlohmann::json replanned = root.planJson("");
	const nlohmann::json *again = moduleNamed(replanned, "fx_chain_c");
	REQUIRE(again);
	CHECK((*again)["action"] == "insert");
}
