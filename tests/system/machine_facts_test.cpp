// Tests for the facts of the machine under a root: what is read, how, and what is read again.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "system/machine_facts.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;

using Strings = std::vector<std::string>;

TEST_CASE("given an empty root, we should find no facts", "[machine_facts]")
{
	TempTree t;
	MachineFacts facts(t.root());
	CHECK_FALSE(facts.isRunningSystem());
	CHECK_FALSE(facts.kernelRelease());
	CHECK_FALSE(facts.kernelCommandLine());
	CHECK_FALSE(facts.architecture());
	CHECK(facts.cpuFlags().empty());
	CHECK_FALSE(facts.memory());
	CHECK_FALSE(facts.cpus());
	CHECK_FALSE(facts.machineId());
	CHECK_FALSE(facts.hostname());
	CHECK_FALSE(facts.dmiField("sys_vendor"));
	CHECK_FALSE(facts.efiBoot());
	CHECK_FALSE(facts.deviceTree());
	CHECK(facts.deviceTreeCompatible().empty());
	CHECK(facts.virtualization() == "none");
	CHECK_FALSE(facts.moduleLoaded("ext4"));
}

TEST_CASE("given a kernel command line, we should split it into words as systemd does, and "
	  "take PID 1's arguments in a container",
	  "[machine_facts]")
{
	TempTree t;
	t.write("/proc/cmdline", "root=/dev/sda1 ro  \"acpi_osi=Windows 2020\" a\\ b -- splash\n");
	MachineFacts facts(t.root());
	REQUIRE(facts.kernelCommandLine());
	CHECK(*facts.kernelCommandLine() ==
	      Strings{"root=/dev/sda1", "ro", "acpi_osi=Windows 2020", "a b", "--", "splash"});

	TempTree container;
	container.write("/.dockerenv", "");
	container.write("/proc/cmdline", "quiet\n");
	container.write("/proc/1/cmdline", std::string("/sbin/init\0--log-level=debug\0", 29));
	MachineFacts inside(container.root());
	REQUIRE(inside.kernelCommandLine());
	CHECK(*inside.kernelCommandLine() == Strings{"/sbin/init", "--log-level=debug"});
}

TEST_CASE("given virtualization signs, we should let a container win, tell a VM from a "
	  "container, and read again after a new CPUID signature",
	  "[machine_facts]")
{
	TempTree t;
	t.write("/sys/class/dmi/id/sys_vendor", "QEMU\n");
	MachineFacts facts(t.root());
	CHECK(facts.virtualization() == "qemu");
	CHECK(facts.inVm());
	CHECK_FALSE(facts.inContainer());
	facts.setCpuidHypervisor("KVMKVMKVM");
	CHECK(facts.virtualization() == "kvm");

	t.write("/.dockerenv", "");
	MachineFacts docker(t.root());
	docker.setCpuidHypervisor("KVMKVMKVM");
	CHECK(docker.virtualization() == "docker");
	CHECK(docker.inContainer());
	CHECK_FALSE(docker.inVm());
}

TEST_CASE("given the kernel's and the machine's files, we should read each fact from its file",
	  "[machine_facts]")
{
	TempTree t;
	t.write("/proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
	t.write("/proc/sys/kernel/arch", "aarch64\n");
	t.write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sse2\n\nprocessor\t: 1\n"
				 "flags\t\t: fpu avx512f\n");
	t.write("/proc/meminfo", "MemTotal:        8048576 kB\n");
	t.write("/sys/devices/system/cpu/online", "0-3\n");
	t.write("/sys/class/dmi/id/product_version", "  ThinkPad X1  \n");
	t.write("/sys/firmware/devicetree/base/compatible", std::string("a,b\0c,d\0", 8));
	t.mkdir("/sys/firmware/efi");
	MachineFacts facts(t.root());
	CHECK(facts.kernelRelease() == "6.1.0-13-amd64");
	CHECK(facts.architecture() == "arm64");
	CHECK(facts.cpuFlags() == std::set<std::string>{"fpu", "sse2"});
	CHECK(facts.memory() == uint64_t{8048576} * 1024);
	CHECK(facts.cpus() == 4u);
	// The end trimmed, as systemd reads a DMI file; the start kept.
	CHECK(facts.dmiField("product_version") == "  ThinkPad X1");
	CHECK_FALSE(facts.dmiField("../../../proc/meminfo"));
	CHECK(facts.efiBoot());
	CHECK(facts.deviceTree());
	CHECK(facts.deviceTreeCompatible() == Strings{"a,b", "c,d"});
}

TEST_CASE("given a machine ID and a hostname, we should read the ID in its plain form only and "
	  "the hostname at every call",
	  "[machine_facts]")
{
	TempTree t;
	t.write("/etc/machine-id", "3D1219C7C4C5404AAA1F6D2A48ADFDA4\n");
	t.write("/proc/sys/kernel/hostname", "web-01\n");
	MachineFacts facts(t.root());
	CHECK(facts.machineId() == "3d1219c7c4c5404aaa1f6d2a48adfda4");
	CHECK(facts.hostname() == "web-01");
	t.write("/proc/sys/kernel/hostname", "(none)\n");
	CHECK(facts.hostname() == "localhost");

	TempTree uuid;
	uuid.write("/etc/machine-id", "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4\n");
	CHECK_FALSE(MachineFacts(uuid.root()).machineId());
	TempTree firstBoot;
	firstBoot.write("/etc/machine-id", "uninitialized\n");
	CHECK_FALSE(MachineFacts(firstBoot.root()).machineId());
}

TEST_CASE("given live, loading and builtin modules, we should call loaded the live and the "
	  "builtin ones, reading the live ones at every call",
	  "[machine_facts]")
{
	TempTree t;
	t.write("/proc/modules", "snd_hda_intel 57344 3 - Live 0x0000000000000000\n"
				 "nvidia 56807424 0 - Loading 0x0000000000000000\n");
	t.mkdir("/sys/module/vt/parameters");
	t.write("/sys/module/comingmod/initstate", "coming\n");
	t.write("/proc/sys/kernel/osrelease", "6.1.0-13-amd64\n");
	t.write("/lib/modules/6.1.0-13-amd64/modules.builtin", "kernel/fs/ext4/ext4.ko\n");
	MachineFacts facts(t.root());
	CHECK(facts.moduleLoaded("snd-hda-intel"));
	CHECK(facts.moduleLoaded("vt"));
	CHECK(facts.moduleLoaded("ext4"));
	CHECK_FALSE(facts.moduleLoaded("nvidia"));
	CHECK_FALSE(facts.moduleLoaded("comingmod"));
	t.write("/proc/modules", "nvidia 56807424 0 - Live 0x0000000000000000\n");
	CHECK(facts.moduleLoaded("nvidia"));
	CHECK_FALSE(facts.moduleLoaded("snd_hda_intel"));
}
