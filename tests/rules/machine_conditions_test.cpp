// Tests for the machine conditions against fixture roots: each condition true and false.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "machine_condition_check.h"
#include "rules/condition.h"
#include "rules/machine_conditions.h"
#include "system/architecture.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;
using modloadd::testing::test;

TEST_CASE("given paths in a fixture root, we should test PathExists and PathIsDirectory under "
	  "that root",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/etc/modloadd.conf", "x");
	t.mkdir("/var/lib/empty");
	t.symlink("../var/lib/empty", "/etc/link-to-dir");
	t.symlink("/nonexistent/target", "/etc/dangling");

	using CT = ConditionType;
	CHECK(test(CT::PathExists, "/etc/modloadd.conf", t));
	CHECK(test(CT::PathExists, "/var/lib/empty", t));
	CHECK(test(CT::PathExists, "/etc/link-to-dir", t));
	CHECK_FALSE(test(CT::PathExists, "/etc/dangling", t));
	CHECK_FALSE(test(CT::PathExists, "/etc/nothing", t));
	CHECK(test(CT::PathExists, "/", t));

	CHECK(test(CT::PathIsDirectory, "/var/lib/empty", t));
	CHECK(test(CT::PathIsDirectory, "/etc/link-to-dir", t));
	CHECK(test(CT::PathIsDirectory, "/etc/", t));
	CHECK_FALSE(test(CT::PathIsDirectory, "/etc/modloadd.conf", t));
	CHECK_FALSE(test(CT::PathIsDirectory, "/nothing", t));
}

TEST_CASE("given a glob, we should match it under the root, braces included, and take the "
	  "root's own glob characters literally",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/r[1]/dev/nvidia0", "");
	t.write("/r[1]/dev/nvidiactl", "");
	t.write("/r1/dev/other", "");
	MachineFacts facts(t.path("/r[1]"));

	using CT = ConditionType;
	CHECK(test(CT::PathExistsGlob, "/dev/nvidia*", facts));
	CHECK(test(CT::PathExistsGlob, "/dev/nvidia[0-9]", facts));
	CHECK(test(CT::PathExistsGlob, "/dev/{foo,nvidiactl}", facts));
	CHECK_FALSE(test(CT::PathExistsGlob, "/dev/other*", facts));
	CHECK_FALSE(test(CT::PathExistsGlob, "/dev/dri/*", facts));
	CHECK_FALSE(test(CT::PathExistsGlob, "/dev/{foo,bar}", facts));
}

TEST_CASE("given directories with and without entries that count, we should test "
	  "DirectoryNotEmpty as systemd's dir_is_empty() with hidden and backup files ignored",
	  "[machine_conditions]")
{
	TempTree t;
	t.mkdir("/empty");
	t.write("/hidden/.keep", "");
	for (std::string name : {"a~", "b.dpkg-old", "c.dpkg-new", "d.dpkg-dist", "e.rpmnew",
				 "f.rpmsave", "g.bak", "h.swp", "i.old", "j.new", "k.ucf-dist",
				 "lost+found", "aquota.user", "aquota.group", "l.dpkg-remove"})
		t.write("/backups/" + name, "x");
	t.write("/full/file.conf", "");
	t.write("/ignore-suffix/x.ignore", "");
	t.mkdir("/subdir/child");
	t.write("/file", "x");
	t.symlink("full", "/link-to-full");

	using CT = ConditionType;
	CHECK_FALSE(test(CT::DirectoryNotEmpty, "/empty", t));
	CHECK_FALSE(test(CT::DirectoryNotEmpty, "/hidden", t));
	CHECK_FALSE(test(CT::DirectoryNotEmpty, "/backups", t));
	CHECK_FALSE(test(CT::DirectoryNotEmpty, "/file", t));
	CHECK_FALSE(test(CT::DirectoryNotEmpty, "/missing", t));
	CHECK(test(CT::DirectoryNotEmpty, "/full", t));
	CHECK(test(CT::DirectoryNotEmpty, "/link-to-full", t));
	CHECK(test(CT::DirectoryNotEmpty, "/subdir", t));
	// systemd 252 no longer treats ".ignore" as a backup suffix.
	CHECK(test(CT::DirectoryNotEmpty, "/ignore-suffix", t));
}

TEST_CASE("given files, we should test FileNotEmpty as a regular file with bytes",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/etc/full", "data\n");
	t.write("/etc/empty", "");
	t.mkdir("/etc/dir");
	t.symlink("full", "/etc/link");

	using CT = ConditionType;
	CHECK(test(CT::FileNotEmpty, "/etc/full", t));
	CHECK(test(CT::FileNotEmpty, "/etc/link", t));
	CHECK_FALSE(test(CT::FileNotEmpty, "/etc/empty", t));
	CHECK_FALSE(test(CT::FileNotEmpty, "/etc/dir", t));
	CHECK_FALSE(test(CT::FileNotEmpty, "/etc/missing", t));
}

TEST_CASE("given a kernel command line, we should match words exactly with = and as key or "
	  "key= without",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/proc/cmdline",
		"BOOT_IMAGE=/vmlinuz-6.1.0 root=/dev/sda1 ro quiet "
		"console=ttyS0,115200 \"acpi_osi=Windows 2020\" rd.break -- splash\n");

	using CT = ConditionType;
	CHECK(test(CT::KernelCommandLine, "quiet", t));
	CHECK(test(CT::KernelCommandLine, "console", t));
	CHECK(test(CT::KernelCommandLine, "console=ttyS0,115200", t));
	CHECK(test(CT::KernelCommandLine, "acpi_osi", t));
	CHECK(test(CT::KernelCommandLine, "rd.break", t));
	// systemd tests every word, those after "--" too.
	CHECK(test(CT::KernelCommandLine, "splash", t));
	CHECK_FALSE(test(CT::KernelCommandLine, "console=ttyS1", t));
	CHECK_FALSE(test(CT::KernelCommandLine, "consol", t));
	CHECK_FALSE(test(CT::KernelCommandLine, "root=/dev/sda", t));
	CHECK_FALSE(test(CT::KernelCommandLine, "acpi_osi=Windows", t));
	CHECK_FALSE(test(CT::KernelCommandLine, "nomodeset", t));

	TempTree empty;
	CHECK_FALSE(test(CT::KernelCommandLine, "quiet", empty));
}

TEST_CASE("given a container, we should take PID 1's arguments as the command line, as "
	  "systemd does",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/.dockerenv", "");
	t.write("/proc/cmdline", "quiet root=/dev/vda\n");
	t.write("/proc/1/cmdline",
		std::string("/sbin/init\0--log-level=debug\0systemd.unit=x\0", 44));

	MachineFacts facts(t.root());
	REQUIRE(facts.kernelCommandLine());
	using CT = ConditionType;
	CHECK(test(CT::KernelCommandLine, "systemd.unit=x", facts));
	CHECK(test(CT::KernelCommandLine, "--log-level", facts));
	CHECK(test(CT::KernelCommandLine, "/sbin/init", facts));
	CHECK_FALSE(test(CT::KernelCommandLine, "quiet", facts));
}

TEST_CASE("given a kernel release, we should test KernelVersion comparisons and globs, all "
	  "of them",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
	MachineFacts facts(t.root());
	REQUIRE(facts.kernelRelease() == "6.1.0-13-amd64");

	using CT = ConditionType;
	for (std::string_view yes :
	     {">=6.1", ">6.1", "> 5.10", ">=5.10 <6.2", "<6.1.1", "6.1.*", "*-amd64",
	      "=6.1.0-13-amd64", "!=6.1", "$=6.1.0-*", "!$=5.*", "<>6.1", "<=6.1.0-13-amd64"}) {
		INFO(yes);
		CHECK(test(CT::KernelVersion, yes, facts));
	}
	for (std::string_view no : {"<6.1", ">=6.2", ">=5.10 <6.1", "5.*", "=6.1", "$=5.*",
				    "!$=6.*", "6.1.0-13-amd64 5.*", "=6.1.0-13-AMD64"}) {
		INFO(no);
		CHECK_FALSE(test(CT::KernelVersion, no, facts));
	}

	TempTree empty;
	CHECK_FALSE(test(CT::KernelVersion, ">=1", empty));
}

TEST_CASE("given an architecture in the root, we should test it by systemd's names",
	  "[machine_conditions]")
{
	using CT = ConditionType;
	TempTree x86;
	x86.write("/proc/sys/kernel/arch", "x86_64\n");
	CHECK(test(CT::Architecture, "x86-64", x86));
	CHECK_FALSE(test(CT::Architecture, "arm64", x86));
	CHECK_FALSE(test(CT::Architecture, "x86", x86));

	TempTree arm;
	arm.write("/proc/sys/kernel/arch", "aarch64\n");
	CHECK(test(CT::Architecture, "arm64", arm));
	CHECK_FALSE(test(CT::Architecture, "x86-64", arm));
	CHECK(test(CT::Architecture, "native", arm) == (nativeArchitecture() == "arm64"));

	TempTree empty;
	CHECK_FALSE(test(CT::Architecture, "x86-64", empty));
	CHECK_FALSE(test(CT::Architecture, "native", empty));

	MachineFacts running("/");
	CHECK(test(CT::Architecture, "native", running));
}

TEST_CASE("given firmware in the root, we should test uefi, device-tree and its compatible "
	  "strings",
	  "[machine_conditions]")
{
	using CT = ConditionType;
	TempTree efi;
	efi.mkdir("/sys/firmware/efi/efivars");
	CHECK(test(CT::Firmware, "uefi", efi));
	CHECK_FALSE(test(CT::Firmware, "device-tree", efi));

	TempTree bios;
	bios.mkdir("/sys/firmware/acpi");
	CHECK_FALSE(test(CT::Firmware, "uefi", bios));

	// is_efi_boot(): a container did not boot, whatever the host's sysfs shows.
	TempTree container;
	container.mkdir("/sys/firmware/efi");
	container.write("/.dockerenv", "");
	CHECK_FALSE(test(CT::Firmware, "uefi", container));

	TempTree pi;
	pi.mkdir("/sys/firmware/devicetree/base");
	pi.write("/proc/device-tree/compatible",
		 std::string("raspberrypi,4-model-b\0brcm,bcm2711\0", 35));
	CHECK(test(CT::Firmware, "device-tree", pi));
	CHECK(test(CT::Firmware, "device-tree-compatible(brcm,bcm2711)", pi));
	CHECK(test(CT::Firmware, "device-tree-compatible(raspberrypi,4-model-b)", pi));
	CHECK_FALSE(test(CT::Firmware, "device-tree-compatible(brcm,bcm2835)", pi));
	CHECK_FALSE(test(CT::Firmware, "device-tree-compatible(brcm)", pi));
	CHECK_FALSE(test(CT::Firmware, "uefi", pi));

	TempTree sysfsOnly;
	sysfsOnly.write("/sys/firmware/devicetree/base/compatible",
			std::string("pine64,pinephone\0", 17));
	CHECK(test(CT::Firmware, "device-tree-compatible(pine64,pinephone)", sysfsOnly));

	TempTree unterminated;
	unterminated.write("/proc/device-tree/compatible", "brcm,bcm2711");
	CHECK_FALSE(test(CT::Firmware, "device-tree-compatible(brcm,bcm2711)", unterminated));
}

TEST_CASE("given SMBIOS fields, we should compare them as systemd 253's smbios-field() does",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/sys/class/dmi/id/board_name", "Z690 AORUS ELITE\n");
	t.write("/sys/class/dmi/id/bios_version", "F21\n");
	t.write("/sys/class/dmi/id/bios_release", "5.17\n");
	MachineFacts facts(t.root());

	using CT = ConditionType;
	CHECK(test(CT::Firmware, "smbios-field(board_name = \"Z690 AORUS ELITE\")", facts));
	CHECK(test(CT::Firmware, "smbios-field(board_name $= Z690*)", facts));
	CHECK(test(CT::Firmware, "smbios-field(board_name != Z790)", facts));
	CHECK(test(CT::Firmware, "smbios-field(bios_release >= 5.9)", facts));
	CHECK(test(CT::Firmware, "smbios-field(bios_version=F21)", facts));
	CHECK_FALSE(test(CT::Firmware, "smbios-field(board_name = Z690)", facts));
	CHECK_FALSE(test(CT::Firmware, "smbios-field(board_name !$= Z690*)", facts));
	CHECK_FALSE(test(CT::Firmware, "smbios-field(bios_release < 5.9)", facts));
	CHECK_FALSE(test(CT::Firmware, "smbios-field(sys_vendor $= *)", facts));
}

TEST_CASE("given /proc/cpuinfo, we should test CPUFeature against the first processor's "
	  "flags, with systemd's names for three of them",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/proc/cpuinfo",
		"processor\t: 0\nvendor_id\t: GenuineIntel\n"
		"flags\t\t: fpu sse sse2 pni pclmulqdq fma sse4_2 xsave avx2 hypervisor\n\n"
		"processor\t: 1\nvendor_id\t: GenuineIntel\n"
		"flags\t\t: fpu sse sse2 avx512f\n");
	MachineFacts facts(t.root());

	using CT = ConditionType;
	for (std::string_view yes : {"sse2", "SSE2", "sse4_2", "pni", "pclmul", "pclmulqdq", "fma3",
				     "fma", "osxsave", "avx2", "hypervisor"}) {
		INFO(yes);
		CHECK(test(CT::CPUFeature, yes, facts));
	}
	for (std::string_view no : {"avx512f", "sha_ni", "sse3", "fp"}) {
		INFO(no);
		CHECK_FALSE(test(CT::CPUFeature, no, facts));
	}
	TempTree empty;
	CHECK_FALSE(test(CT::CPUFeature, "sse2", empty));
}

TEST_CASE("given a hostname and a machine ID, we should test Host as a case-blind glob or an "
	  "ID",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/proc/sys/kernel/hostname", "Web-01\n");
	t.write("/etc/machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n");
	MachineFacts facts(t.root());

	using CT = ConditionType;
	CHECK(test(CT::Host, "web-01", facts));
	CHECK(test(CT::Host, "WEB-*", facts));
	CHECK(test(CT::Host, "web-0?", facts));
	CHECK(test(CT::Host, "3d1219c7c4c5404aaa1f6d2a48adfda4", facts));
	CHECK(test(CT::Host, "3D1219C7-C4C5-404A-AA1F-6D2A48ADFDA4", facts));
	CHECK_FALSE(test(CT::Host, "db-*", facts));
	CHECK_FALSE(test(CT::Host, "web", facts));
	CHECK_FALSE(test(CT::Host, "3d1219c7c4c5404aaa1f6d2a48adfda5", facts));

	// The hostname can change at any time: read it at every test.
	t.write("/proc/sys/kernel/hostname", "db-02\n");
	CHECK(test(CT::Host, "db-*", facts));
	CHECK_FALSE(test(CT::Host, "web-*", facts));

	TempTree unset;
	unset.write("/proc/sys/kernel/hostname", "(none)\n");
	unset.write("/etc/machine-id", "uninitialized\n");
	CHECK(test(CT::Host, "localhost", unset));
	CHECK_FALSE(test(CT::Host, "3d1219c7c4c5404aaa1f6d2a48adfda4", unset));
}

TEST_CASE("given /proc/meminfo, we should compare Memory with >= by default",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/proc/meminfo", "MemTotal:        8048576 kB\nMemFree:         1000000 kB\n");
	MachineFacts facts(t.root());
	REQUIRE(facts.memory() == uint64_t{8048576} * 1024);

	using CT = ConditionType;
	CHECK(test(CT::Memory, "4G", facts));
	CHECK(test(CT::Memory, ">=4G", facts));
	CHECK(test(CT::Memory, "<8G", facts));
	CHECK(test(CT::Memory, "=8241741824", facts));
	CHECK(test(CT::Memory, "!=8G", facts));
	CHECK(test(CT::Memory, "> 7.5G", facts));
	CHECK_FALSE(test(CT::Memory, "8G", facts));
	CHECK_FALSE(test(CT::Memory, ">8G", facts));
	CHECK_FALSE(test(CT::Memory, "<=1G", facts));

	TempTree empty;
	CHECK_FALSE(test(CT::Memory, ">=0", empty));
	CHECK_FALSE(test(CT::Memory, "<1E", empty));
}

TEST_CASE("given a memory limit on PID 1's cgroup, we should see the limit, as systemd's "
	  "physical_memory() does",
	  "[machine_conditions]")
{
	using CT = ConditionType;
	TempTree v2;
	v2.write("/proc/meminfo", "MemTotal:        8048576 kB\n");
	v2.write("/proc/1/cgroup", "0::/machine.slice/guest/init.scope\n");
	v2.write("/sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
	v2.write("/sys/fs/cgroup/machine.slice/guest/memory.max", "2147483648\n");
	CHECK(test(CT::Memory, "=2G", v2));
	CHECK_FALSE(test(CT::Memory, ">=4G", v2));

	TempTree unlimited;
	unlimited.write("/proc/meminfo", "MemTotal:        8048576 kB\n");
	unlimited.write("/proc/1/cgroup", "0::/\n");
	unlimited.write("/sys/fs/cgroup/cgroup.controllers", "cpu memory\n");
	unlimited.write("/sys/fs/cgroup/memory.max", "max\n");
	CHECK(test(CT::Memory, ">=4G", unlimited));

	TempTree v1;
	v1.write("/proc/meminfo", "MemTotal:        8048576 kB\n");
	v1.write("/proc/1/cgroup", "4:memory:/docker/abc\n1:name=systemd:/docker/abc\n");
	v1.write("/sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "1073741824\n");
	CHECK(test(CT::Memory, "=1G", v1));
	CHECK(test(CT::Memory, "<2G", v1));
}

TEST_CASE("given the online CPUs of a root, we should count them for CPUs", "[machine_conditions]")
{
	TempTree t;
	t.write("/sys/devices/system/cpu/online", "0-3,8\n");
	MachineFacts facts(t.root());
	REQUIRE(facts.cpus() == 5u);

	using CT = ConditionType;
	CHECK(test(CT::CPUs, "5", facts));
	CHECK(test(CT::CPUs, ">=4", facts));
	CHECK(test(CT::CPUs, "=5", facts));
	CHECK(test(CT::CPUs, "<8", facts));
	CHECK_FALSE(test(CT::CPUs, "6", facts));
	CHECK_FALSE(test(CT::CPUs, ">5", facts));
	CHECK_FALSE(test(CT::CPUs, "<=4", facts));

	TempTree one;
	one.write("/sys/devices/system/cpu/online", "0\n");
	CHECK(test(CT::CPUs, "=1", one));

	TempTree bad;
	bad.write("/sys/devices/system/cpu/online", "3-1\n");
	CHECK_FALSE(test(CT::CPUs, ">=0", bad));

	MachineFacts running("/");
	CHECK(test(CT::CPUs, ">=1", running));
	CHECK_FALSE(test(CT::CPUs, ">100000", running));
}

TEST_CASE("given DMI fields, we should match their trimmed text against the glob",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/sys/class/dmi/id/sys_vendor", "LENOVO\n");
	t.write("/sys/class/dmi/id/product_version", "  ThinkPad X1 Carbon Gen 10  \n");
	MachineFacts facts(t.root());

	using CT = ConditionType;
	CHECK(test(CT::DMI, "sys_vendor=LENOVO", facts));
	CHECK(test(CT::DMI, "sys_vendor=LEN*", facts));
	CHECK(test(CT::DMI, "product_version=ThinkPad X1*", facts));
	CHECK_FALSE(test(CT::DMI, "sys_vendor=lenovo", facts));
	CHECK_FALSE(test(CT::DMI, "sys_vendor=Dell*", facts));
	CHECK_FALSE(test(CT::DMI, "board_vendor=*", facts));
}

TEST_CASE("given live, loading and builtin modules, we should test ModuleLoaded for live or "
	  "builtin ones, reading the live ones at every test",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/proc/modules", "snd_hda_intel 57344 3 - Live 0x0000000000000000\n"
				 "nvidia 56807424 0 - Loading 0x0000000000000000\n");
	t.mkdir("/sys/module/vt/parameters");			// builtin: no initstate
	t.write("/sys/module/comingmod/initstate", "coming\n"); // not in /proc/modules yet
	t.write("/proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
	t.write("/lib/modules/6.1.0-13-amd64/modules.builtin",
		"kernel/drivers/usb/host/xhci-pci.ko\nkernel/fs/ext4/ext4.ko\n");
	MachineFacts facts(t.root());

	using CT = ConditionType;
	CHECK(test(CT::ModuleLoaded, "snd_hda_intel", facts));
	CHECK(test(CT::ModuleLoaded, "snd-hda-intel", facts));
	CHECK(test(CT::ModuleLoaded, "vt", facts));
	CHECK(test(CT::ModuleLoaded, "xhci-pci", facts));
	CHECK(test(CT::ModuleLoaded, "ext4", facts));
	CHECK_FALSE(test(CT::ModuleLoaded, "nvidia", facts));
	CHECK_FALSE(test(CT::ModuleLoaded, "comingmod", facts));
	CHECK_FALSE(test(CT::ModuleLoaded, "e1000e", facts));

	t.write("/proc/modules", "snd_hda_intel 57344 3 - Live 0x0000000000000000\n"
				 "nvidia 56807424 0 - Live 0x0000000000000000\n"
				 "e1000e 331776 0 - Live 0x0000000000000000\n");
	CHECK(test(CT::ModuleLoaded, "nvidia", facts));
	CHECK(test(CT::ModuleLoaded, "e1000e", facts));
}

TEST_CASE("given a parsed condition whose text is changed afterwards, we should test what was "
	  "parsed, never the text",
	  "[machine_conditions]")
{
	TempTree t;
	t.write("/etc/modloadd.conf", "x");
	t.write("/proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
	t.write("/proc/meminfo", "MemTotal:        8048576 kB\n");
	MachineFacts facts(t.root());

	using CT = ConditionType;
	std::string expected;
	auto path = parseCondition(CT::PathExists, "/etc/modloadd.conf", expected);
	REQUIRE(path);
	path->value = "/nothing";
	CHECK(testMachineCondition(*path, facts));

	auto version = parseCondition(CT::KernelVersion, ">=6.1 6.1.*", expected);
	REQUIRE(version);
	version->value = "<1";
	CHECK(testMachineCondition(*version, facts));

	auto memory = parseCondition(CT::Memory, ">=4G", expected);
	REQUIRE(memory);
	memory->value = ">=1E";
	CHECK(testMachineCondition(*memory, facts));

	// The text alone, never parsed, asks nothing.
	Condition unparsed;
	unparsed.type = CT::PathExists;
	unparsed.value = "/etc/modloadd.conf";
	CHECK_FALSE(testMachineCondition(unparsed, facts));
	// Nor does a parsed value of another type's kind.
	unparsed.type = CT::KernelVersion;
	unparsed.parsed = ConditionPath{"/etc/modloadd.conf"};
	CHECK_FALSE(testMachineCondition(unparsed, facts));
}

TEST_CASE("given an empty root, we should find no positive condition true", "[machine_conditions]")
{
	TempTree t;
	MachineFacts facts(t.root()); // no facts at all: tests/system/machine_facts_test.cpp

	using CT = ConditionType;
	struct Case {
		ConditionType type;
		std::string_view value;
	};
	for (const Case &k : std::vector<Case>{
		     {CT::PathExists, "/etc"},
		     {CT::PathExistsGlob, "/*/*"},
		     {CT::PathIsDirectory, "/etc"},
		     {CT::DirectoryNotEmpty, "/"},
		     {CT::FileNotEmpty, "/etc/os-release"},
		     {CT::KernelCommandLine, "quiet"},
		     {CT::KernelVersion, "*"},
		     {CT::Virtualization, "yes"},
		     {CT::Architecture, "x86-64"},
		     {CT::Firmware, "uefi"},
		     {CT::Firmware, "smbios-field(sys_vendor $= *)"},
		     {CT::CPUFeature, "fpu"},
		     {CT::Host, "*"},
		     {CT::Memory, ">=0"},
		     {CT::CPUs, ">=0"},
		     {CT::DMI, "sys_vendor=*"},
		     {CT::ModuleLoaded, "ext4"},
	     }) {
		INFO(conditionName(k.type) << "=" << k.value);
		CHECK_FALSE(test(k.type, k.value, facts));
	}
}
