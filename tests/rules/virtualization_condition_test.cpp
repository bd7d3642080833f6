// Tests for ConditionVirtualization= on fixture machines: systemd-detect-virt's names, vm,
// container and booleans. (How the machine is detected is tested in tests/system/.)
#include <catch2/catch.hpp>

#include <string>

#include "machine_condition_check.h"
#include "rules/condition.h"
#include "rules/machine_conditions.h"
#include "smbios_fixture.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::biosEntry;
using modloadd::testing::TempTree;
using modloadd::testing::test;

TEST_CASE("given a machine with nothing virtual about it, we should hold Virtualization=no and "
	  "nothing else",
	  "[machine_conditions][virtualization]")
{
	TempTree t;
	t.write("/sys/class/dmi/id/sys_vendor", "LENOVO\n");
	t.write("/sys/class/dmi/id/product_name", "21CBCTO1WW\n");
	t.write("/proc/cpuinfo",
		"processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2\n");
	t.write("/sys/firmware/dmi/entries/0-0/raw", biosEntry(false));

	using CT = ConditionType;
	CHECK(test(CT::Virtualization, "no", t));
	CHECK(test(CT::Virtualization, "false", t));
	CHECK_FALSE(test(CT::Virtualization, "yes", t));
	CHECK_FALSE(test(CT::Virtualization, "vm", t));
	CHECK_FALSE(test(CT::Virtualization, "container", t));
	CHECK_FALSE(test(CT::Virtualization, "kvm", t));
}

TEST_CASE("given VM guests, we should hold Virtualization= for the VM's own name, vm and yes",
	  "[machine_conditions][virtualization]")
{
	using CT = ConditionType;

	// A QEMU machine type run by KVM: DMI says QEMU, CPUID says KVM, and CPUID wins.
	TempTree kvm;
	kvm.write("/sys/class/dmi/id/sys_vendor", "QEMU\n");
	kvm.write("/sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n");
	kvm.write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n");
	MachineFacts kvmFacts(kvm.root());
	kvmFacts.setCpuidHypervisor("KVMKVMKVM");
	CHECK(test(CT::Virtualization, "kvm", kvmFacts));
	CHECK(test(CT::Virtualization, "vm", kvmFacts));
	CHECK(test(CT::Virtualization, "yes", kvmFacts));
	CHECK_FALSE(test(CT::Virtualization, "qemu", kvmFacts));
	CHECK_FALSE(test(CT::Virtualization, "container", kvmFacts));
	CHECK_FALSE(test(CT::Virtualization, "no", kvmFacts));

	TempTree qemu;
	qemu.write("/sys/class/dmi/id/sys_vendor", "QEMU\n");
	qemu.write("/sys/class/dmi/id/product_name", "Standard PC (i440FX + PIIX, 1996)\n");
	qemu.write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n");
	CHECK(test(CT::Virtualization, "qemu", qemu));
	CHECK(test(CT::Virtualization, "vm", qemu));
	CHECK_FALSE(test(CT::Virtualization, "kvm", qemu));

	TempTree hyperv;
	hyperv.write("/sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n");
	hyperv.write("/sys/class/dmi/id/product_name", "Virtual Machine\n");
	hyperv.write("/sys/class/dmi/id/product_version", "Hyper-V UEFI Release v4.1\n");
	CHECK(test(CT::Virtualization, "microsoft", hyperv));

	TempTree surface;
	surface.write("/sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n");
	surface.write("/sys/class/dmi/id/product_name", "Surface Laptop 5\n");
	CHECK_FALSE(test(CT::Virtualization, "microsoft", surface));

	TempTree ec2;
	ec2.write("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
	ec2.write("/sys/class/dmi/id/product_name", "m5.large\n");
	MachineFacts ec2Facts(ec2.root());
	ec2Facts.setCpuidHypervisor("KVMKVMKVM"); // Nitro is KVM, yet systemd says amazon
	CHECK(test(CT::Virtualization, "amazon", ec2Facts));
	CHECK_FALSE(test(CT::Virtualization, "kvm", ec2Facts));

	TempTree metal;
	metal.write("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
	metal.write("/sys/class/dmi/id/product_name", "m5.metal\n");
	CHECK_FALSE(test(CT::Virtualization, "amazon", metal));

	TempTree flagOnly;
	flagOnly.write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu hypervisor\n");
	CHECK(test(CT::Virtualization, "vm", flagOnly));
	CHECK(test(CT::Virtualization, "vm-other", flagOnly));
}

TEST_CASE("given containers, we should hold Virtualization= for the container's name, container "
	  "and yes, and not vm even on a VM",
	  "[machine_conditions][virtualization]")
{
	using CT = ConditionType;

	TempTree docker;
	docker.write("/.dockerenv", "");
	docker.write("/sys/class/dmi/id/sys_vendor", "QEMU\n");
	docker.write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu hypervisor\n");
	CHECK(test(CT::Virtualization, "docker", docker));
	CHECK(test(CT::Virtualization, "container", docker));
	CHECK(test(CT::Virtualization, "yes", docker));
	CHECK_FALSE(test(CT::Virtualization, "vm", docker));
	CHECK_FALSE(test(CT::Virtualization, "qemu", docker));
	CHECK_FALSE(test(CT::Virtualization, "podman", docker));
	CHECK_FALSE(test(CT::Virtualization, "no", docker));

	TempTree unknown;
	unknown.write("/run/systemd/container", "garden\n");
	CHECK(test(CT::Virtualization, "container", unknown));
	CHECK(test(CT::Virtualization, "container-other", unknown));
}
