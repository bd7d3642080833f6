// Tests for systemd-detect-virt on fixture roots: containers and VMs as systemd names them.
// (ConditionVirtualization= on such machines is tested in tests/rules/.)
#include <catch2/catch.hpp>

#include <string>

#include "smbios_fixture.h"
#include "system/virtualization.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::biosEntry;
using modloadd::testing::TempTree;

namespace {

std::string virt(const TempTree &t)
{
	return detectVirtualization(t.root());
}

} // namespace

TEST_CASE("given a machine with nothing virtual about it, we should say none", "[virtualization]")
{
	TempTree t;
	t.write("/sys/class/dmi/id/sys_vendor", "LENOVO\n");
	t.write("/sys/class/dmi/id/product_name", "21CBCTO1WW\n");
	t.write("/proc/cpuinfo",
		"processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sse2\n");
	t.write("/sys/firmware/dmi/entries/0-0/raw", biosEntry(false));
	CHECK(virt(t) == "none");
	CHECK(detectVirtualization(t.root()) == "none");

	TempTree empty;
	CHECK(virt(empty) == "none");
}

TEST_CASE("given a KVM guest, we should say kvm: CPUID names it, or DMI when it says KVM",
	  "[virtualization]")
{
	// A QEMU machine type run by KVM: DMI says QEMU, CPUID says KVM, and CPUID wins.
	TempTree t;
	t.write("/sys/class/dmi/id/sys_vendor", "QEMU\n");
	t.write("/sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n");
	t.write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n");
	CHECK(detectVm(t.root(), "KVMKVMKVM") == "kvm");

	TempTree byName;
	byName.write("/sys/class/dmi/id/product_name", "KVM\n");
	byName.write("/sys/class/dmi/id/sys_vendor", "Red Hat\n");
	CHECK(virt(byName) == "kvm");

	TempTree openstack;
	openstack.write("/sys/class/dmi/id/sys_vendor", "OpenStack Foundation\n");
	CHECK(virt(openstack) == "kvm");
}

TEST_CASE("given a QEMU guest, we should say qemu, from DMI or from TCG's CPUID signature",
	  "[virtualization]")
{
	TempTree t;
	t.write("/sys/class/dmi/id/sys_vendor", "QEMU\n");
	t.write("/sys/class/dmi/id/product_name", "Standard PC (i440FX + PIIX, 1996)\n");
	t.write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sse2 hypervisor\n");
	CHECK(virt(t) == "qemu");

	TempTree tcg;
	CHECK(detectVm(tcg.root(), "TCGTCGTCGTCG") == "qemu");
}

TEST_CASE("given a Hyper-V guest, we should say microsoft, and not for a Surface laptop",
	  "[virtualization]")
{
	TempTree t;
	t.write("/sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n");
	t.write("/sys/class/dmi/id/product_name", "Virtual Machine\n");
	t.write("/sys/class/dmi/id/product_version", "Hyper-V UEFI Release v4.1\n");
	CHECK(virt(t) == "microsoft");

	TempTree gen1;
	gen1.write("/sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n");
	gen1.write("/sys/class/dmi/id/product_name", "Virtual Machine\n");
	gen1.write("/sys/class/dmi/id/product_version", "7.0\n");
	CHECK(virt(gen1) == "microsoft");

	TempTree cpuid;
	CHECK(detectVm(cpuid.root(), "Microsoft Hv") == "microsoft");

	TempTree surface;
	surface.write("/sys/class/dmi/id/sys_vendor", "Microsoft Corporation\n");
	surface.write("/sys/class/dmi/id/product_name", "Surface Laptop 5\n");
	CHECK(virt(surface) == "none");
}

TEST_CASE("given an EC2 instance, we should say amazon, and none on a .metal instance",
	  "[virtualization]")
{
	TempTree t;
	t.write("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
	t.write("/sys/class/dmi/id/product_name", "m5.large\n");
	// Nitro is KVM, yet systemd says amazon
	CHECK(detectVm(t.root(), "KVMKVMKVM") == "amazon");

	TempTree metal;
	metal.write("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
	metal.write("/sys/class/dmi/id/product_name", "m5.metal\n");
	CHECK(virt(metal) == "none");

	// The SMBIOS VM bit decides before the name does.
	TempTree bitSet;
	bitSet.write("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
	bitSet.write("/sys/class/dmi/id/product_name", "m5.metal\n");
	bitSet.write("/sys/firmware/dmi/entries/0-0/raw", biosEntry(true));
	CHECK(virt(bitSet) == "amazon");
	TempTree bitClear;
	bitClear.write("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
	bitClear.write("/sys/class/dmi/id/product_name", "m5.large\n");
	bitClear.write("/sys/firmware/dmi/entries/0-0/raw", biosEntry(false));
	CHECK(virt(bitClear) == "none");
}

TEST_CASE("given other VM signs, we should name the VM as systemd-detect-virt does",
	  "[virtualization]")
{
	TempTree vbox;
	vbox.write("/sys/class/dmi/id/sys_vendor", "innotek GmbH\n");
	// VirtualBox on KVM: DMI wins for oracle
	CHECK(detectVm(vbox.root(), "KVMKVMKVM") == "oracle");

	TempTree vmware;
	vmware.write("/sys/class/dmi/id/sys_vendor", "VMware, Inc.\n");
	CHECK(virt(vmware) == "vmware");

	TempTree xen;
	xen.mkdir("/proc/xen");
	CHECK(virt(xen) == "xen");
	TempTree dom0;
	dom0.write("/proc/xen/capabilities", "control_d\n");
	CHECK(virt(dom0) == "none");
	TempTree hvType;
	hvType.write("/sys/hypervisor/type", "xen\n");
	CHECK(virt(hvType) == "xen");

	TempTree smbiosOnly;
	smbiosOnly.write("/sys/firmware/dmi/entries/0-0/raw", biosEntry(true));
	CHECK(virt(smbiosOnly) == "vm-other");

	TempTree flagOnly;
	flagOnly.write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu hypervisor\n");
	CHECK(virt(flagOnly) == "vm-other");

	TempTree dt;
	dt.write("/proc/device-tree/hypervisor/compatible", std::string("linux,kvm\0", 10));
	CHECK(virt(dt) == "kvm");

	TempTree uml;
	uml.write("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: User Mode Linux\n");
	CHECK(virt(uml) == "uml");

	TempTree zvm;
	zvm.write("/proc/sysinfo", "VM00 Name:            LINUX1\nVM00 Control Program: z/VM    "
				   "7.2.0\n");
	CHECK(virt(zvm) == "zvm");
}

TEST_CASE("given a Docker container, we should say docker, a container and not a VM, even on "
	  "a VM",
	  "[virtualization]")
{
	TempTree t;
	t.write("/.dockerenv", "");
	t.write("/sys/class/dmi/id/sys_vendor", "QEMU\n");
	t.write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu hypervisor\n");
	CHECK(virt(t) == "docker");
}

TEST_CASE("given container managers' marks, we should name the container as systemd does",
	  "[virtualization]")
{
	TempTree podman;
	podman.write("/run/.containerenv", "");
	CHECK(virt(podman) == "podman");

	TempTree nspawn;
	nspawn.write("/run/systemd/container", "systemd-nspawn\n");
	nspawn.write("/.dockerenv", ""); // the manager's word counts before stray files
	CHECK(virt(nspawn) == "systemd-nspawn");

	TempTree host;
	host.write("/run/host/container-manager", "lxc\n");
	CHECK(virt(host) == "lxc");

	TempTree environ;
	environ.write("/proc/1/environ", std::string("HOME=/\0container=lxc-libvirt\0", 30));
	CHECK(virt(environ) == "lxc-libvirt");

	TempTree oci;
	oci.write("/run/systemd/container", "oci\n");
	CHECK(virt(oci) == "container-other");
	TempTree ociPodman;
	ociPodman.write("/run/systemd/container", "oci\n");
	ociPodman.write("/run/.containerenv", "");
	CHECK(virt(ociPodman) == "podman");

	TempTree unknown;
	unknown.write("/run/systemd/container", "garden\n");
	CHECK(virt(unknown) == "container-other");

	TempTree openvz;
	openvz.mkdir("/proc/vz");
	CHECK(virt(openvz) == "openvz");
	TempTree openvzHost;
	openvzHost.mkdir("/proc/vz");
	openvzHost.mkdir("/proc/bc");
	CHECK(virt(openvzHost) == "none");

	TempTree wsl;
	wsl.write("/proc/sys/kernel/osrelease", "5.15.90.1-microsoft-standard-WSL2\n");
	CHECK(virt(wsl) == "wsl");
}

TEST_CASE("given a root and a CPUID signature, we should let the signature name the VM, and a "
	  "container win over the VM",
	  "[virtualization]")
{
	TempTree t;
	t.write("/sys/class/dmi/id/sys_vendor", "QEMU\n");
	t.write("/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu hypervisor\n");
	CHECK(detectContainer(t.root()) == "none");
	CHECK(detectVm(t.root()) == "qemu");
	CHECK(detectVm(t.root(), "KVMKVMKVM") == "kvm");
	CHECK(detectVm(t.root(), "") == "qemu"); // bit clear: DMI decides
	CHECK(detectVirtualization(t.root()) == "qemu");

	t.write("/.dockerenv", "");
	CHECK(detectContainer(t.root()) == "docker");
	CHECK(detectVm(t.root()) == "qemu");
	CHECK(detectVirtualization(t.root()) == "docker");

	TempTree empty;
	CHECK(detectVm(empty.root()) == "none");
	CHECK(detectVm(empty.root(), "") == "none");
	CHECK(detectVm(empty.root(), "Unknown Hv") == "vm-other");
}
