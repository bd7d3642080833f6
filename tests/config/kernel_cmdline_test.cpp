// Tests for the kernel command line: modules_load=, rd.modules_load= and the blacklist.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdlib.h>

#include "base/strings.h"
#include "config/kernel_cmdline.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names(const KernelCmdline &k)
{
	std::vector<std::string> out;
	for (const Request &r : k.modulesLoad)
		out.push_back(r.name);
	return out;
}

using Strings = std::vector<std::string>;

} // namespace

TEST_CASE("given modules_load= with a comma list, we should request each name from the kernel "
	  "command line",
	  "[kernel_cmdline]")
{
	Diagnostics diags;
	auto k = parseKernelCmdline("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro modules_load=dummy,loop "
				    "quiet\n",
				    false, diags);
	CHECK(names(k) == Strings{"dummy", "loop"});
	for (const Request &r : k.modulesLoad)
		CHECK(r.origin == "kernel-cmdline");
	CHECK(k.blacklist.empty());
	CHECK(diags.empty());
}

TEST_CASE("given repeated keys in both spellings and empty list elements, we should request "
	  "them all in order",
	  "[kernel_cmdline]")
{
	Diagnostics diags;
	auto k = parseKernelCmdline("modules_load=a,,b, modules-load=c modules_load=,d,", false,
				    diags);
	CHECK(names(k) == Strings{"a", "b", "c", "d"});
	CHECK(diags.empty());
}

TEST_CASE("given an empty modules_load=, we should request nothing and not complain",
	  "[kernel_cmdline]")
{
	Diagnostics diags;
	auto k = parseKernelCmdline("modules_load= modules_load=,", false, diags);
	CHECK(k.modulesLoad.empty());
	CHECK(diags.empty());
}

TEST_CASE("given double quotes, we should group on them and remove them", "[kernel_cmdline]")
{
	Diagnostics diags;
	SECTION("around the value")
	{
		auto k = parseKernelCmdline("modules_load=\"a,b\" foo", false, diags);
		CHECK(names(k) == Strings{"a", "b"});
	}
	SECTION("around the whole word")
	{
		auto k = parseKernelCmdline("\"modules_load=c\"", false, diags);
		CHECK(names(k) == Strings{"c"});
	}
	SECTION("hiding a key inside another's quoted value")
	{
		auto k = parseKernelCmdline(
			"dyndbg=\"file x.c modules_load=evil +p\" modules_load=ok", false, diags);
		CHECK(names(k) == Strings{"ok"});
	}
	SECTION("making a value with a space, which is no module name")
	{
		auto k = parseKernelCmdline("modules_load=\"a b\"", false, diags);
		CHECK(k.modulesLoad.empty());
		REQUIRE(diags.size() == 1);
		CHECK_THAT(diags[0].message, Catch::Contains("'a b'"));
	}
}

TEST_CASE("given rd.modules_load= outside the initrd, we should ignore it", "[kernel_cmdline]")
{
	Diagnostics diags;
	auto k = parseKernelCmdline(
		"rd.modules_load=early rd.modules-load=early2 modules_load=late", false, diags);
	CHECK(names(k) == Strings{"late"});
	CHECK(diags.empty());
}

TEST_CASE("given rd.modules_load= in the initrd, we should request both forms with their origin",
	  "[kernel_cmdline]")
{
	Diagnostics diags;
	auto k = parseKernelCmdline(
		"rd.modules_load=early rd.modules-load=early2 modules_load=late", true, diags);
	REQUIRE(names(k) == Strings{"early", "early2", "late"});
	CHECK(k.modulesLoad[0].origin == "kernel-cmdline (rd.modules_load)");
	CHECK(k.modulesLoad[1].origin == "kernel-cmdline (rd.modules_load)");
	CHECK(k.modulesLoad[2].origin == "kernel-cmdline");
}

TEST_CASE("given both blacklist keys, we should collect normalized names once each",
	  "[kernel_cmdline]")
{
	Diagnostics diags;
	auto k = parseKernelCmdline(
		"modprobe.blacklist=nouveau,snd-hda-intel module_blacklist=pcspkr "
		"module-blacklist=floppy modprobe.blacklist=snd_hda_intel",
		false, diags);
	CHECK(k.blacklist == Strings{"nouveau", "snd_hda_intel", "pcspkr", "floppy"});
	// Only module_blacklist= is enforced by the kernel on every load.
	CHECK(k.forbidden == Strings{"pcspkr", "floppy"});
	CHECK(k.modulesLoad.empty());
	CHECK(diags.empty());
}

TEST_CASE("given rd.modprobe.blacklist=, we should not treat it as the blacklist",
	  "[kernel_cmdline]")
{
	// kmod reads modprobe.blacklist= itself and knows no rd. form.
	Diagnostics diags;
	auto k = parseKernelCmdline("rd.modprobe.blacklist=nouveau", true, diags);
	CHECK(k.blacklist.empty());
}

TEST_CASE("given keys that only look similar, we should ignore them", "[kernel_cmdline]")
{
	Diagnostics diags;
	auto k = parseKernelCmdline("modules_loadx=a xmodules_load=b modules.load=c "
				    "blacklist=d modprobe.blacklistx=e",
				    true, diags);
	CHECK(k.modulesLoad.empty());
	CHECK(k.blacklist.empty());
	CHECK(diags.empty());
}

TEST_CASE("given a standalone --, we should ignore everything after it as init's",
	  "[kernel_cmdline]")
{
	Diagnostics diags;
	auto k = parseKernelCmdline("modules_load=a module_blacklist=x -- modules_load=b "
				    "module_blacklist=y",
				    false, diags);
	CHECK(names(k) == Strings{"a"});
	CHECK(k.blacklist == Strings{"x"});

	// Only a standalone "--" ends the kernel's part.
	k = parseKernelCmdline("foo=-- --bar modules_load=c", false, diags);
	CHECK(names(k) == Strings{"c"});
}

TEST_CASE("given a bad name in a list, we should report it and keep the good ones",
	  "[kernel_cmdline]")
{
	Diagnostics diags;
	auto k = parseKernelCmdline("modules_load=good,/lib/x.ko,..,also-good "
				    "modprobe.blacklist=ok,bad/name",
				    false, diags);
	CHECK(names(k) == Strings{"good", "also-good"});
	CHECK(k.blacklist == Strings{"ok"});
	REQUIRE(diags.size() == 3);
	for (const Diagnostic &d : diags) {
		CHECK(d.file == "kernel command line");
		CHECK(d.line == 0);
		CHECK_THAT(d.message, Catch::EndsWith(", ignoring"));
	}
	CHECK(diags[0].message ==
	      "'/lib/x.ko' in modules_load= is a path, not a module name, ignoring");
	CHECK_THAT(diags[2].message, Catch::Contains("modprobe.blacklist="));
}

TEST_CASE("given modules_load without a value, we should report it", "[kernel_cmdline]")
{
	Diagnostics diags;
	auto k = parseKernelCmdline("modules_load", false, diags);
	CHECK(k.modulesLoad.empty());
	REQUIRE(diags.size() == 1);
	CHECK_THAT(diags[0].message, Catch::EndsWith(", ignoring"));
}

TEST_CASE("given a root with proc/cmdline, we should read it, and nullopt without one",
	  "[kernel_cmdline]")
{
	TempTree t;
	CHECK_FALSE(readKernelCmdline(t.root()).has_value());
	t.write("/proc/cmdline", "root=/dev/vda modules_load=dummy\n");
	auto text = readKernelCmdline(t.root());
	REQUIRE(text.has_value());
	CHECK(*text == "root=/dev/vda modules_load=dummy\n");
}

TEST_CASE("given the host's /proc/cmdline, we should read it despite its zero size",
	  "[kernel_cmdline]")
{
	// procfs reports st_size 0; reading must not trust it.
	std::ifstream in("/proc/cmdline", std::ios::binary);
	if (!in) {
		WARN("no /proc/cmdline here (no procfs?), skipping");
		return;
	}
	std::string expected((std::istreambuf_iterator<char>(in)),
			     std::istreambuf_iterator<char>());
	auto text = readKernelCmdline("/");
	REQUIRE(text.has_value());
	CHECK(*text == expected);
}

TEST_CASE("given etc/initrd-release, we should say we are in the initrd", "[kernel_cmdline]")
{
	TempTree t;
	CHECK_FALSE(inInitrd(t.root()));
	SECTION("as a file")
	{
		t.write("/etc/initrd-release", "NAME=initrd\n");
		CHECK(inInitrd(t.root()));
	}
	SECTION("as an absolute symlink into the image")
	{
		t.symlink("/usr/lib/initrd-release", "/etc/initrd-release");
		CHECK_FALSE(inInitrd(t.root())); // dangling in the image, whatever the host has
		t.write("/usr/lib/initrd-release", "NAME=initrd\n");
		CHECK(inInitrd(t.root()));
	}
}
