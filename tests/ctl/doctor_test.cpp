// `modloadctl doctor` on fixture roots, one finding id at a time: each problem made on purpose
// (a module file touched or copied in after depmod, one removed; names modprobe cannot find; a
// listed module modprobe.d blacklists; competing copies; a running copy of another build; an
// initramfs holding another build; missing firmware; another loader beside modloadd) is
// reported with its id, module, message and fix, and the clean root has none. Where a stock
// tool can confirm the problem (modprobe, modinfo), the test asks it too.
#include "tree_support.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <vector>

using namespace modloadd::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char *kAliasFile = "/lib/modules/6.1.0-fixture/kernel/fs/fixture/fx_alias.ko";
const char *kSrcversion = "F1XA11A5000000000000001";

struct Root : FixtureRoot {
	std::string doctor(const std::string &args, int &status)
	{
		return capture(fmt::format("'{}' doctor --root '{}' --kernel {} {} 2>&1",
					   builtBinary("MODLOADCTL_BINARY"), dir.root(),
					   kFixtureKernel, args),
			       status);
	}

	// The findings, with the exit status checked against them (0 without, 1 with).
	json findings()
	{
		int status = 0;
		std::string out = doctor("--json", status);
		INFO(out);
		json doc = json::parse(out);
		REQUIRE(doc["findings"].is_array());
		CHECK(status == (doc["findings"].empty() ? 0 : 1));
		for (const json &f : doc["findings"]) {
			for (const char *key : {"id", "module", "severity", "message", "fix"})
				CHECK(f.contains(key));
			CHECK((f["severity"] == "error" || f["severity"] == "warning" ||
			       f["severity"] == "info"));
			CHECK(!f["message"].get<std::string>().empty());
			CHECK(!f["fix"].get<std::string>().empty());
		}
		return doc["findings"];
	}

	// The findings with ID (and MODULE, unless empty).
	std::vector<json> with(const std::string &id, const std::string &module = "")
	{
		std::vector<json> out;
		for (const json &f : findings())
			if (f["id"] == id && (module.empty() || f["module"] == module))
				out.push_back(f);
		return out;
	}

	void depmod(const std::string &extra = "")
	{
		fs::create_directories(dir.path("/etc/depmod.d"));
		int status = 0;
		std::string log =
			capture(sbin(fmt::format("depmod -b '{}' -C '{}' {} {} 2>&1", dir.root(),
						 dir.path("/etc/depmod.d"), extra, kFixtureKernel)),
				status);
		INFO(log);
		REQUIRE(status == 0);
	}

	// What modinfo -n finds for NAME, as the target system sees it.
	std::string modinfoPath(const std::string &name)
	{
		int status = 0;
		std::string out = capture(sbin(fmt::format("modinfo -b '{}' -k {} -n {}",
							   dir.root(), kFixtureKernel, name)),
					  status);
		REQUIRE(status == 0);
		return std::string(modloadd::trim(out)).substr(dir.root().size());
	}
};

} // namespace

TEST_CASE("given the fixture root as depmod left it, doctor should find nothing and exit 0")
{
	Root root;
	CHECK(root.findings() == json::array());
	int status = 0;
	std::string text = root.doctor("", status);
	CHECK(status == 0);
	CHECK(contains(text, "no findings"));
}

TEST_CASE("given a module tree changed after depmod, doctor should report depmod-stale for each "
	  "file, with depmod -a as the fix")
{
	Root root;
	std::string version = root.ownModules();
	SECTION("a module file touched after depmod")
	{
		FixtureRoot::changeAfterDepmod(version, version + "/kernel/fs/fixture/fx_alias.ko",
					       5);
		auto found = root.with("depmod-stale");
		REQUIRE(found.size() == 1);
		CHECK(found[0]["module"] == "fx_alias");
		CHECK(contains(found[0]["message"], "/lib/modules/6.1.0-fixture/kernel/fs/fixture/"
						    "fx_alias.ko changed after depmod ran"));
		CHECK(found[0]["fix"] == "depmod -a 6.1.0-fixture");
	}
	SECTION("a module file removed after depmod")
	{
		fs::remove(version + "/kernel/drivers/fixture/fx_chain_c.ko");
		auto found = root.with("depmod-stale", "fx_chain_c");
		REQUIRE(found.size() == 1);
		CHECK(found[0]["severity"] == "error");
		CHECK(contains(found[0]["message"], "which is gone"));
		root.depmod();
		CHECK(root.with("depmod-stale").empty());
	}
	SECTION("a module file copied in after depmod, with an old timestamp")
	{
		fs::create_directories(version + "/extra");
		REQUIRE(fs::copy_file(version + "/kernel/drivers/fixture/fx_soft.ko",
				      version + "/extra/fx_newcomer.ko"));
		auto found = root.with("depmod-stale", "fx_newcomer");
		REQUIRE(found.size() == 1);
		CHECK(contains(found[0]["message"], "is not in modules.dep"));
		root.depmod();
		CHECK(root.with("depmod-stale").empty());
	}
}

TEST_CASE("given names modprobe cannot find in modules-load.d and rules, doctor should report "
	  "missing-module with the file and line, by how much it matters")
{
	Root root;
	root.dir.write("etc/modules-load.d/site.conf", "fx_soft\nfx_no_such_module\n");
	// A rule that does not hold here, written by the administrator: a note.
	root.dir.write(
		"etc/modloadd/rules.d/gpu.rules",
		"[Match]\nConditionPathExists=/etc/no-such-gpu\n\n[Load]\nModules=fx_rule_missing "
		"fx_soft\n");
	// A rule that holds: a warning. A shipped rule that does not hold: nothing.
	root.dir.write("usr/lib/modloadd/rules.d/always.rules",
		       "[Load]\nModules=fx_held_missing\n");
	root.dir.write("usr/lib/modloadd/rules.d/vendor.rules",
		       "[Match]\nConditionPathExists=/etc/no-such-card\n[Load]\n"
		       "Modules=fx_vendor_missing\n");
	auto found = root.with("missing-module");
	REQUIRE(found.size() == 3);
	std::map<std::string, json> by;
	for (const json &f : found)
		by[f["module"]] = f;
	REQUIRE(by.count("fx_no_such_module"));
	CHECK(by["fx_no_such_module"]["severity"] == "error");
	CHECK(contains(by["fx_no_such_module"]["message"], "/etc/modules-load.d/site.conf:2"));
	REQUIRE(by.count("fx_held_missing"));
	CHECK(by["fx_held_missing"]["severity"] == "warning");
	CHECK(contains(by["fx_held_missing"]["message"],
		       "/usr/lib/modloadd/rules.d/always.rules:2"));
	REQUIRE(by.count("fx_rule_missing"));
	CHECK(by["fx_rule_missing"]["severity"] == "info");
	CHECK(contains(by["fx_rule_missing"]["message"], "/etc/modloadd/rules.d/gpu.rules:5"));
	CHECK(contains(by["fx_rule_missing"]["message"], "does not hold here"));
	ModprobeAnswer a =
		modprobeShowDepends(root.dir.root(), kFixtureKernel,
				    root.dir.path("/etc/modprobe.d"), "fx_no_such_module", false);
	CHECK(a.status != 0);
}

TEST_CASE("given a listed module that modprobe.d blacklists, doctor should report "
	  "blacklisted-listed")
{
	Root root;
	root.dir.write("etc/modprobe.d/fx.conf", "blacklist fx_blk_victim\n");
	root.dir.write("etc/modules-load.d/site.conf", "# the victim\nfx_blk_victim\n");
	auto found = root.with("blacklisted-listed");
	REQUIRE(found.size() == 1);
	CHECK(found[0]["module"] == "fx_blk_victim");
	CHECK(contains(found[0]["message"], "/etc/modules-load.d/site.conf:2"));
	CHECK(contains(found[0]["message"], "blacklisted in modprobe.d"));
	CHECK(contains(found[0]["fix"], "blacklist fx_blk_victim"));
	// As systemd-modules-load does: the blacklist applies to a listed name too.
	ModprobeAnswer a =
		modprobeShowDepends(root.dir.root(), kFixtureKernel,
				    root.dir.path("/etc/modprobe.d"), "fx_blk_victim", true);
	CHECK(a.inserts.empty());
}

TEST_CASE("given copies of a module in updates/ and the kernel's tree, doctor should report "
	  "shadowed-copy naming the copy modinfo -n finds; of equal priority, as a warning")
{
	Root root;
	std::string version = root.ownModules();
	std::string file = version + "/kernel/fs/fixture/fx_alias.ko";
	SECTION("updates/ wins by the default search order")
	{
		fs::create_directories(version + "/updates");
		fs::copy_file(file, version + "/updates/fx_alias.ko");
		root.depmod();
		auto found = root.with("shadowed-copy", "fx_alias");
		REQUIRE(found.size() == 1);
		CHECK(found[0]["severity"] == "info");
		std::string loads = root.modinfoPath("fx_alias");
		CHECK(loads == "/lib/modules/6.1.0-fixture/updates/fx_alias.ko");
		CHECK(contains(found[0]["message"], loads + " (loads)"));
		CHECK(contains(found[0]["message"], "2 copies"));
	}
	SECTION("extra/ and the kernel's tree, of equal priority")
	{
		fs::create_directories(version + "/extra");
		fs::copy_file(file, version + "/extra/fx_alias.ko");
		root.depmod();
		auto found = root.with("shadowed-copy", "fx_alias");
		REQUIRE(found.size() == 1);
		CHECK(found[0]["severity"] == "warning");
		CHECK(contains(found[0]["message"], root.modinfoPath("fx_alias") + " (loads)"));
		CHECK(contains(found[0]["message"], "equal priority"));
		CHECK(contains(found[0]["fix"], "override fx_alias 6.1.0-fixture"));
	}
}

TEST_CASE("given a running copy of another build, doctor should report live-differs; given the "
	  "file's build, nothing")
{
	Root root;
	root.dir.write("sys/module/fx_alias/initstate", "live\n");
	SECTION("another build")
	{
		root.dir.write("sys/module/fx_alias/srcversion", "0000000000OLDBUILD00000\n");
		auto found = root.with("live-differs");
		REQUIRE(found.size() == 1);
		CHECK(found[0]["module"] == "fx_alias");
		CHECK(contains(found[0]["message"], "0000000000OLDBUILD00000"));
		CHECK(contains(found[0]["message"], kSrcversion));
		CHECK(contains(found[0]["fix"], "update-initramfs -u -k 6.1.0-fixture"));
	}
	SECTION("the same build")
	{
		root.dir.write("sys/module/fx_alias/srcversion", std::string(kSrcversion) + "\n");
		CHECK(root.with("live-differs").empty());
	}
}

TEST_CASE("given an initramfs with another build of a module, or one the disk no longer has, "
	  "doctor should report initramfs-differs; with the disk's build, nothing")
{
	Root root;
	std::string disk = readFile(root.dir.path(kAliasFile));
	std::string inside = "usr/lib/modules/6.1.0-fixture/kernel/fs/fixture/fx_alias.ko";
	SECTION("the disk's build (early archive, then zstd)")
	{
		writeInitramfs(root, 1, "zstd -q", {{inside, disk}});
		CHECK(root.with("initramfs-differs").empty());
	}
	SECTION("another build, and a module the disk does not have")
	{
		std::string old = disk;
		auto at = old.find(kSrcversion);
		REQUIRE(at != std::string::npos);
		old.replace(at, 23, "0LDB11D5000000000000001");
		writeInitramfs(
			root, 1, "zstd -q",
			{{inside, old}, {"usr/lib/modules/6.1.0-fixture/extra/fx_gone.ko", disk}});
		auto found = root.with("initramfs-differs");
		REQUIRE(found.size() == 2);
		CHECK(found[0]["module"] == "fx_alias");
		CHECK(contains(found[0]["message"], "0LDB11D5000000000000001"));
		CHECK(found[1]["module"] == "fx_gone");
		CHECK(contains(found[1]["message"], "does not have"));
		CHECK(contains(found[0]["fix"], "update-initramfs -u -k 6.1.0-fixture"));
	}
}

// A warning when none of the module's firmware is there, a note when an alternative is.
TEST_CASE("given a listed module's firmware missing, doctor should report firmware-missing")
{
	Root root;
	root.dir.write("etc/modules-load.d/fx.conf", "fx_alias\n");
	int status = 0;
	std::string declared =
		capture(sbin(fmt::format("modinfo -b '{}' -k {} -F firmware fx_alias",
					 root.dir.root(), kFixtureKernel)),
			status);
	REQUIRE(status == 0);
	REQUIRE(contains(declared, "fx/fx_alias-fw.bin\n"));
	REQUIRE(contains(declared, "fx/fx_alias-missing.bin\n"));
	SECTION("none present")
	{
		auto found = root.with("firmware-missing", "fx_alias");
		REQUIRE(found.size() == 1);
		CHECK(found[0]["severity"] == "warning");
		CHECK(contains(found[0]["message"], "fx/fx_alias-fw.bin"));
		CHECK(contains(found[0]["message"], "fx/fx_alias-missing.bin"));
	}
	SECTION("one present, under updates/")
	{
		root.dir.write("lib/firmware/updates/fx/fx_alias-fw.bin", "fw");
		auto found = root.with("firmware-missing", "fx_alias");
		REQUIRE(found.size() == 1);
		CHECK(found[0]["severity"] == "info");
		CHECK(contains(found[0]["message"], "fx/fx_alias-missing.bin"));
		CHECK(!contains(found[0]["message"], "fx/fx_alias-fw.bin"));
	}
	SECTION("all present")
	{
		root.dir.write("lib/firmware/fx/fx_alias-fw.bin", "fw");
		root.dir.write("lib/firmware/fx/fx_alias-missing.bin.zst", "fw");
		CHECK(root.with("firmware-missing").empty());
	}
}

TEST_CASE("given modloadd enabled beside another loader, doctor should report "
	  "takeover-partial; after the whole takeover, nothing")
{
	Root root;
	root.dir.symlink("/lib/systemd/system/modloadd.service",
			 "etc/systemd/system/sysinit.target.wants/modloadd.service");
	root.dir.write("usr/lib/udev/rules.d/80-drivers.rules",
		       "# drivers\nENV{MODALIAS}==\"?*\", RUN{builtin}+=\"kmod load "
		       "$env{MODALIAS}\"\n");
	root.dir.write("usr/lib/udev/rules.d/60-other.rules", "KERNEL==\"sda\", GOTO=\"x\"\n");
	SECTION("nothing taken over")
	{
		auto found = root.with("takeover-partial");
		REQUIRE(found.size() == 2);
		std::string messages;
		for (const json &f : found) {
			CHECK(f["severity"] == "info");
			messages += f["message"].get<std::string>();
		}
		CHECK(contains(messages, "/usr/lib/udev/rules.d/80-drivers.rules:2"));
		CHECK(contains(messages, "systemd-modules-load.service still loads"));
	}
	SECTION("systemd-modules-load taken over, udev's rules not")
	{
		root.dir.symlink("/lib/systemd/system/modloadd.service",
				 "etc/systemd/system/systemd-modules-load.service");
		auto found = root.with("takeover-partial");
		REQUIRE(found.size() == 1);
		CHECK(found[0]["severity"] == "warning");
		CHECK(contains(found[0]["message"], "80-drivers.rules:2"));
		CHECK(contains(found[0]["fix"], "/etc/udev/rules.d/80-drivers.rules"));
	}
	SECTION("the whole takeover")
	{
		root.dir.symlink("/lib/systemd/system/modloadd.service",
				 "etc/systemd/system/systemd-modules-load.service");
		root.dir.write("etc/udev/rules.d/80-drivers.rules", "");
		CHECK(root.with("takeover-partial").empty());
	}
	SECTION("modloadd not enabled: the other loaders are the system's own")
	{
		fs::remove(
			root.dir.path("/etc/systemd/system/sysinit.target.wants/modloadd.service"));
		CHECK(root.with("takeover-partial").empty());
	}
}

TEST_CASE("given a device whose driver [Devices] DenyModules= denies, doctor should report "
	  "denied-device, unless a person's list loads it")
{
	Root root;
	const std::string devpath = "/devices/pci0000:00/0000:00:03.0";
	const std::string modalias = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
	root.addDevice(devpath, "pci", "MODALIAS=" + modalias + "\n");
	CHECK(root.with("denied-device").empty()); // nothing denied: the device gets fx_alias

	root.dir.write("etc/modloadd.conf", "[Devices]\nDenyModules=fx_al*\n");
	auto found = root.with("denied-device");
	REQUIRE(found.size() == 1);
	CHECK(found[0]["module"] == "fx_alias");
	CHECK(found[0]["severity"] == "info");
	CHECK(contains(found[0]["message"], devpath + " (" + modalias + ")"));
	CHECK(contains(found[0]["message"], "DenyModules=fx_al* (/etc/modloadd.conf:2)"));
	CHECK(contains(found[0]["fix"], "fx_alias"));

	// Listed by a person: loaded anyway, nothing to say.
	root.dir.write("etc/modules-load.d/site.conf", "fx_alias\n");
	CHECK(root.with("denied-device").empty());
}

TEST_CASE("given bad usage or no module tree, doctor should exit 2 with a message")
{
	Root root;
	int status = 0;
	std::string out = capture(fmt::format("'{}' doctor --root '{}' --kernel 9.9.9-none 2>&1",
					      builtBinary("MODLOADCTL_BINARY"), root.dir.root()),
				  status);
	CHECK(status == 2);
	CHECK(contains(out, "9.9.9-none"));
	out = capture(
		fmt::format("'{}' doctor extra-argument 2>&1", builtBinary("MODLOADCTL_BINARY")),
		status);
	CHECK(status == 2);
	CHECK(contains(out, "unexpected argument"));
}
