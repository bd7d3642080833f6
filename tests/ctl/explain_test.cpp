// `modloadctl explain` on fixture roots: the file that loads and every other copy with why
// (depmod.d's override, search and external, checked against modinfo -n and modprobe
// --show-depends on the same tree), the running copy's srcversion, firmware, a modalias and a
// device, the initramfs's copy, the JSON contract field by field, and the exit statuses.
#include "tree_support.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

using namespace modloadd::testing;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const char *kVirtio = "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00";
const char *kAliasFile = "/lib/modules/6.1.0-fixture/kernel/fs/fixture/fx_alias.ko";

struct Root : FixtureRoot {
	std::string explain(const std::string &args, int &status)
	{
		return capture(fmt::format("'{}' explain --root '{}' --kernel {} {}",
					   builtBinary("MODLOADCTL_BINARY"), dir.root(),
					   kFixtureKernel, args),
			       status);
	}

	json explainJson(const std::string &query)
	{
		int status = 0;
		std::string out = explain("--json '" + query + "'", status);
		INFO(out);
		REQUIRE(status == 0);
		return json::parse(out);
	}

	// What modinfo -n finds for NAME: the file modules.dep holds, with the root's prefix.
	std::string modinfoPath(const std::string &name)
	{
		int status = 0;
		std::string out = capture(sbin(fmt::format("modinfo -b '{}' -k {} -n {}",
							   dir.root(), kFixtureKernel, name)),
					  status);
		REQUIRE(status == 0);
		return std::string(modloadd::trim(out));
	}

	// The file modprobe --show-depends inserts for NAME, with the root's prefix.
	std::string modprobePath(const std::string &name)
	{
		fs::create_directories(dir.path("/etc/modprobe.d"));
		ModprobeAnswer a = modprobeShowDepends(dir.root(), kFixtureKernel,
						       dir.path("/etc/modprobe.d"), name, false);
		INFO(a.output);
		REQUIRE(a.status == 0);
		for (const std::string &line : modloadd::split(a.output, '\n'))
			if (modloadd::startsWith(line, "insmod "))
				return std::string(modloadd::trim(line.substr(7)));
		FAIL("modprobe inserts nothing");
		return "";
	}

	// Copies of fx_alias.ko in updates/, extra/ and ROOT/opt/oot next to the kernel's own,
	// then depmod -b with ROOT/etc/depmod.d (written first by the caller).
	void competingCopies(bool updates = true)
	{
		std::string version = ownModules();
		std::string file = version + "/kernel/fs/fixture/fx_alias.ko";
		for (std::string to : {std::string("updates"), std::string("extra")}) {
			if (to == "updates" && !updates)
				continue;
			fs::create_directories(version + "/" + to);
			fs::copy_file(file, version + "/" + to + "/fx_alias.ko");
		}
		fs::create_directories(dir.path("/opt/oot"));
		fs::copy_file(file, dir.path("/opt/oot/fx_alias.ko"));
		fs::create_directories(dir.path("/etc/depmod.d"));
		int status = 0;
		std::string log =
			capture(sbin(fmt::format("depmod -b '{}' -C '{}' {} 2>&1", dir.root(),
						 dir.path("/etc/depmod.d"), kFixtureKernel)),
				status);
		INFO(log);
		REQUIRE(status == 0);
	}

	// explain's file for fx_alias, checked against modinfo -n and modprobe; the chosen
	// candidate's why.
	std::string chosenWhy(const std::string &expected)
	{
		json doc = explainJson("fx_alias");
		INFO(doc.dump(2));
		REQUIRE(doc["modules"].size() == 1);
		const json &m = doc["modules"][0];
		CHECK(m["path"] == expected);
		CHECK(dir.root() + m["path"].get<std::string>() == modinfoPath("fx_alias"));
		CHECK(dir.root() + m["path"].get<std::string>() == modprobePath("fx_alias"));
		std::string why;
		size_t chosen = 0;
		for (const json &c : m["candidates"])
			if (c["chosen"] == true) {
				chosen++;
				CHECK(c["path"] == expected);
				why = c["why"];
			}
		CHECK(chosen == 1);
		return why;
	}

	std::string whyOf(const json &module, const std::string &path)
	{
		for (const json &c : module["candidates"])
			if (c["path"] == path)
				return c["why"];
		FAIL("no candidate " << path);
		return "";
	}
};

} // namespace

TEST_CASE("given a module name, explain should give the file modinfo -n finds and every field "
	  "of the JSON contract")
{
	Root root;
	json doc = root.explainJson("fx_soft");
	INFO(doc.dump(2));
	CHECK(doc["query"] == "fx_soft");
	REQUIRE(doc["modules"].is_array());
	REQUIRE(doc["modules"].size() == 1);
	const json &m = doc["modules"][0];
	for (const char *key :
	     {"name", "path", "candidates", "builtin", "live", "srcversion", "live_srcversion",
	      "live_matches_file", "dependencies", "softdeps", "blacklisted", "options",
	      "denied_for_devices", "firmware", "initramfs"})
		CHECK(m.contains(key));
	CHECK(m["name"] == "fx_soft");
	CHECK(root.dir.root() + m["path"].get<std::string>() == root.modinfoPath("fx_soft"));
	REQUIRE(m["candidates"].size() == 1);
	CHECK(m["candidates"][0]["path"] == m["path"]);
	CHECK(m["candidates"][0]["chosen"] == true);
	CHECK(contains(m["candidates"][0]["why"], "the only copy"));
	CHECK(contains(m["candidates"][0]["why"], "depmod's default with no search line"));
	CHECK(m["builtin"] == false);
	CHECK(m["live"] == false);
	CHECK(m["srcversion"].is_null());
	CHECK(m["live_srcversion"].is_null());
	CHECK(m["live_matches_file"].is_null());
	CHECK(m["dependencies"] == json::array({"fx_soft_hard"}));
	CHECK(m["softdeps"]["pre"] == json::array({"fx_soft_pre"}));
	CHECK(m["softdeps"]["post"] == json::array({"fx_soft_post"}));
	CHECK(m["blacklisted"] == false);
	CHECK(m["options"] == "");
	CHECK(m["denied_for_devices"].is_null());
	CHECK(m["firmware"] == json::array());
	CHECK(m["initramfs"].is_null());
}

TEST_CASE("given [Devices] DenyModules=, explain should name the glob that keeps devices from "
	  "loading the module, and where it is written")
{
	Root root;
	root.dir.write("etc/modloadd.conf",
		       "[Devices]\nDenyModules=fx_nothing\nDenyModules=fx_s*\n");
	json doc = root.explainJson("fx_soft");
	const json &m = doc["modules"][0];
	REQUIRE(m["denied_for_devices"].is_object());
	CHECK(m["denied_for_devices"]["glob"] == "fx_s*");
	CHECK(m["denied_for_devices"]["file"] == "/etc/modloadd.conf");
	CHECK(m["denied_for_devices"]["line"] == 3);
	int status = 0;
	std::string text = root.explain("fx_soft", status);
	CHECK(status == 0);
	CHECK(contains(text, "for devices: denied by [Devices] DenyModules=fx_s* "
			     "(/etc/modloadd.conf:3)"));
	// A module no glob matches is loaded when a device asks.
	CHECK(root.explainJson("fx_blk_victim")["modules"][0]["denied_for_devices"].is_null());
	CHECK(contains(root.explain("fx_blk_victim", status),
		       "for devices: loaded when a device asks for it"));
}

TEST_CASE("given blacklist and options in modprobe.d, explain should show them in force")
{
	Root root;
	root.dir.write("etc/modprobe.d/fx.conf",
		       "blacklist fx_blk_victim\noptions fx_blk_victim debug=1 mode=fast\n");
	json doc = root.explainJson("fx_blk_victim");
	const json &m = doc["modules"][0];
	CHECK(m["blacklisted"] == true);
	CHECK(m["options"] == "debug=1 mode=fast");
	int status = 0;
	std::string text = root.explain("fx_blk_victim", status);
	CHECK(status == 0);
	CHECK(contains(text, "blacklisted: yes"));
	CHECK(contains(text, "options: debug=1 mode=fast"));
}

TEST_CASE("given a builtin module, explain should say no file loads")
{
	Root root;
	json doc = root.explainJson("fixbuiltin");
	const json &m = doc["modules"][0];
	CHECK(m["builtin"] == true);
	CHECK(m["path"].is_null());
	CHECK(m["candidates"] == json::array());
}

TEST_CASE("given copies in updates/, extra/ and the kernel's tree and no depmod.d, explain "
	  "should choose updates/ as depmod did, by the default search order")
{
	Root root;
	root.competingCopies();
	std::string why = root.chosenWhy("/lib/modules/6.1.0-fixture/updates/fx_alias.ko");
	CHECK(contains(why, "search updates/"));
	CHECK(contains(why, "default"));
	json m = root.explainJson("fx_alias")["modules"][0];
	// No external line: depmod does not walk /opt/oot.
	CHECK(m["candidates"].size() == 3);
	CHECK(contains(root.whyOf(m, kAliasFile), "lost to"));
	CHECK(contains(root.whyOf(m, "/lib/modules/6.1.0-fixture/extra/fx_alias.ko"), "lost to"));
}

TEST_CASE("given a search line, explain should follow its order as depmod did")
{
	Root root;
	root.dir.write("etc/depmod.d/search.conf",
		       "# extra first\nsearch extra updates built-in\n");
	root.competingCopies();
	std::string why = root.chosenWhy("/lib/modules/6.1.0-fixture/extra/fx_alias.ko");
	CHECK(contains(why, "search extra/ (/etc/depmod.d/search.conf:2)"));
	json m = root.explainJson("fx_alias")["modules"][0];
	std::string kernel = root.whyOf(m, kAliasFile);
	CHECK(contains(kernel, "lost to /lib/modules/6.1.0-fixture/extra/fx_alias.ko"));
	CHECK(contains(kernel, "built-in"));
}

TEST_CASE("given an override, explain should choose the copy it names over updates/, as "
	  "depmod did")
{
	Root root;
	root.dir.write("etc/depmod.d/override.conf", "override fx_alias * kernel/fs/fixture\n");
	// A file of the same name in a directory below hides it, as in depmod.
	root.dir.write("lib/depmod.d/override.conf", "override fx_alias * extra\n");
	root.competingCopies();
	std::string why = root.chosenWhy(kAliasFile);
	CHECK(contains(why, "override fx_alias * kernel/fs/fixture"));
	CHECK(contains(why, "/etc/depmod.d/override.conf:1"));
}

TEST_CASE("given an override for another kernel version, explain should ignore it as depmod "
	  "did")
{
	Root root;
	root.dir.write("etc/depmod.d/override.conf", "override fx_alias ^5\\. kernel/fs/fixture\n");
	root.competingCopies();
	CHECK(contains(root.chosenWhy("/lib/modules/6.1.0-fixture/updates/fx_alias.ko"),
		       "search updates/"));
}

TEST_CASE("given an external directory the search line puts first, explain should choose its "
	  "copy, as depmod did")
{
	Root root;
	// depmod -b walks external directories as written, without the base directory.
	root.dir.write("etc/depmod.d/external.conf",
		       fmt::format("search external updates built-in\nexternal 6.1.* {}/opt/oot\n",
				   root.dir.root()));
	root.competingCopies();
	std::string why = root.chosenWhy("/opt/oot/fx_alias.ko");
	CHECK(contains(why, "external directory"));
	CHECK(contains(why, "/etc/depmod.d/external.conf:2"));
	json m = root.explainJson("fx_alias")["modules"][0];
	CHECK(m["candidates"].size() == 4);
}

TEST_CASE("given copies of equal priority, explain should say depmod's directory walk decided")
{
	Root root;
	root.competingCopies(false); // kernel/ and extra/: neither is a search directory
	json m = root.explainJson("fx_alias")["modules"][0];
	std::string chosen = m["path"];
	CHECK(root.dir.root() + chosen == root.modinfoPath("fx_alias"));
	CHECK(root.dir.root() + chosen == root.modprobePath("fx_alias"));
	for (const json &c : m["candidates"]) {
		INFO(c.dump());
		CHECK(contains(c["why"], "equal priority"));
		CHECK(contains(c["why"], "directory walk decided; add an override"));
	}
}

TEST_CASE("given a running copy whose srcversion differs from the file, explain should warn "
	  "about the initramfs; given the same, it should say they match")
{
	Root root;
	root.dir.write("sys/module/fx_alias/initstate", "live\n");
	root.dir.write("sys/module/fx_alias/taint", "OE\n");
	SECTION("another build runs")
	{
		root.dir.write("sys/module/fx_alias/srcversion", "0000000000OLDBUILD00000\n");
		json m = root.explainJson("fx_alias")["modules"][0];
		CHECK(m["live"] == true);
		CHECK(m["srcversion"] == "F1XA11A5000000000000001");
		CHECK(m["live_srcversion"] == "0000000000OLDBUILD00000");
		CHECK(m["live_matches_file"] == false);
		CHECK(m["taint"]["live"] == "OE");
		int status = 0;
		std::string text = root.explain("fx_alias", status);
		CHECK(status == 0);
		CHECK(contains(text, "warning: the running copy is another build"));
		CHECK(contains(text, "initramfs"));
		CHECK(contains(text, "update-initramfs -u -k 6.1.0-fixture"));
	}
	SECTION("the file's build runs")
	{
		root.dir.write("sys/module/fx_alias/srcversion", "F1XA11A5000000000000001\n");
		json m = root.explainJson("fx_alias")["modules"][0];
		CHECK(m["live_matches_file"] == true);
		int status = 0;
		CHECK(!contains(root.explain("fx_alias", status), "warning"));
	}
}

TEST_CASE("given a module's firmware, explain should say which file is present under "
	  "/lib/firmware and which is missing")
{
	Root root;
	SECTION("in /lib/firmware")
	{
		root.dir.write("lib/firmware/fx/fx_alias-fw.bin", "fw");
	}
	SECTION("in the kernel version's directory of updates/")
	{
		root.dir.write("lib/firmware/updates/6.1.0-fixture/fx/fx_alias-fw.bin.zst", "fw");
	}
	json m = root.explainJson("fx_alias")["modules"][0];
	// In the order modinfo -F firmware gives.
	REQUIRE(m["firmware"].size() == 2);
	std::map<std::string, json> byName;
	for (const json &f : m["firmware"])
		byName[f["name"]] = f;
	REQUIRE(byName.count("fx/fx_alias-fw.bin"));
	REQUIRE(byName.count("fx/fx_alias-missing.bin"));
	CHECK(byName["fx/fx_alias-fw.bin"]["present"] == true);
	CHECK(byName["fx/fx_alias-missing.bin"]["present"] == false);
	int firmwareStatus = 0;
	std::string declared =
		capture(sbin(fmt::format("modinfo -b '{}' -k {} -F firmware fx_alias",
					 root.dir.root(), kFixtureKernel)),
			firmwareStatus);
	CHECK(declared == fmt::format("{}\n{}\n", m["firmware"][0]["name"].get<std::string>(),
				      m["firmware"][1]["name"].get<std::string>()));
	int status = 0;
	CHECK(contains(root.explain("fx_alias", status),
		       "firmware: fx/fx_alias-missing.bin: MISSING"));
}

TEST_CASE("given a modalias, explain should name the module modprobe resolves it to and the "
	  "alias pattern that matched")
{
	Root root;
	json doc = root.explainJson(kVirtio);
	CHECK(doc["kind"] == "modalias");
	REQUIRE(doc["modules"].size() == 1);
	const json &m = doc["modules"][0];
	CHECK(m["name"] == "fx_alias");
	CHECK(m["matched_aliases"] == json::array({"pci:v00001AF4d00001000sv*sd*bc*sc*i*"}));
	CHECK(root.dir.root() + m["path"].get<std::string>() == root.modprobePath(kVirtio));
	int status = 0;
	std::string text = root.explain(fmt::format("'{}'", kVirtio), status);
	CHECK(status == 0);
	CHECK(contains(text, "matched by: pci:v00001AF4d00001000sv*sd*bc*sc*i*"));
	CHECK(contains(text, "initramfs: none for 6.1.0-fixture under /boot"));
}

TEST_CASE("given a device path, explain should read its modalias and explain what it resolves "
	  "to")
{
	Root root;
	std::string devpath = "/devices/pci0000:00/0000:00:03.0";
	root.addDevice(devpath, "pci", fmt::format("DRIVER=x\nMODALIAS={}\n", kVirtio));
	for (std::string query : {devpath, "/sys" + devpath}) {
		json doc = root.explainJson(query);
		CHECK(doc["query"] == query);
		CHECK(doc["kind"] == "devpath");
		CHECK(doc["modalias"] == kVirtio);
		REQUIRE(doc["modules"].size() == 1);
		CHECK(doc["modules"][0]["name"] == "fx_alias");
		CHECK(doc["modules"][0]["path"] == kAliasFile);
	}
}

TEST_CASE("given nothing that matches, explain should exit 1 with a message; given no query, "
	  "2")
{
	Root root;
	int status = 0;
	std::string err = root.explain("fx_no_such_module 2>&1 >/dev/null", status);
	CHECK(status == 1);
	CHECK(contains(err, "no module matches 'fx_no_such_module'"));
	root.explain("/devices/none 2>/dev/null", status);
	CHECK(status == 1);
	root.explain("2>/dev/null", status);
	CHECK(status == 2);
	root.explain("a b 2>/dev/null", status);
	CHECK(status == 2);
}

TEST_CASE("given an initramfs with the module, explain should say whether its copy is the "
	  "disk's build")
{
	Root root;
	std::string disk = readFile(root.dir.path(kAliasFile));
	std::string inside = "usr/lib/modules/6.1.0-fixture/kernel/fs/fixture/fx_alias.ko";
	std::string image = "/boot/initrd.img-6.1.0-fixture";
	SECTION("the same build, zstd after one early archive")
	{
		writeInitramfs(root, 1, "zstd -q", {{inside, disk}});
		json m = root.explainJson("fx_alias")["modules"][0];
		CHECK(m["initramfs"] ==
		      json({{"image", image}, {"path", "/" + inside}, {"matches_disk", true}}));
		int status = 0;
		CHECK(contains(root.explain("fx_alias", status), "the same build as the disk's"));
	}
	SECTION("another build, gzip after two early archives")
	{
		std::string old = disk;
		auto at = old.find("F1XA11A5000000000000001");
		REQUIRE(at != std::string::npos);
		old.replace(at, 23, "0LDB11D5000000000000001");
		writeInitramfs(root, 2, "gzip -n",
			       {{"usr/lib/modules/other/fx_alias.ko", disk}, {inside, old}});
		json m = root.explainJson("fx_alias")["modules"][0];
		CHECK(m["initramfs"]["path"] == "/" + inside);
		CHECK(m["initramfs"]["matches_disk"] == false);
		int status = 0;
		std::string text = root.explain("fx_alias", status);
		CHECK(contains(text, "ANOTHER build than the disk's (srcversion "
				     "0LDB11D5000000000000001)"));
		CHECK(contains(text, "update-initramfs -u -k 6.1.0-fixture"));
	}
	SECTION("xz, no early archive")
	{
		writeInitramfs(root, 0, "xz -q --check=crc32", {{inside, disk}});
		CHECK(root.explainJson("fx_alias")["modules"][0]["initramfs"]["matches_disk"] ==
		      true);
	}
	SECTION("lz4 (legacy frames, as the kernel's), a module it does not hold")
	{
		writeInitramfs(root, 1, "lz4 -q -l", {{inside, disk}});
		json m = root.explainJson("fx_soft")["modules"][0];
		CHECK(m["initramfs"] ==
		      json({{"image", image}, {"path", nullptr}, {"matches_disk", nullptr}}));
		CHECK(root.explainJson("fx_alias")["modules"][0]["initramfs"]["matches_disk"] ==
		      true);
	}
}
