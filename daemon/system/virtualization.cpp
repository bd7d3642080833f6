// systemd-detect-virt for the system under a root: containers, then VMs, in virt.c's order.
#include "system/virtualization.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>

#if defined(__i386__) || defined(__x86_64__)
#include <cpuid.h>
#endif

#include "base/handles.h"
#include "base/rooted_path.h"
#include "base/strings.h"
#include "system/fact_files.h"

namespace modloadd {

namespace {

// container_from_string() of virt.c, with "oci" left to the files, as systemd does.
std::string containerByName(std::string_view name, std::string_view fromFiles)
{
	if (name == "oci")
		return fromFiles != "none" ? std::string(fromFiles) : "container-other";
	for (std::string_view known : {"lxc", "lxc-libvirt", "systemd-nspawn", "docker", "podman",
				       "rkt", "wsl", "proot", "pouch"})
		if (name == known)
			return std::string(known);
	return "container-other";
}

std::string containerFromFiles(std::string_view root)
{
	if (pathExists(rootedPath(root, "/run/.containerenv")))
		return "podman";
	if (pathExists(rootedPath(root, "/.dockerenv")))
		return "docker";
	return "none";
}

// systemd's running_in_cgroupns(), on the files under the root.
bool inCgroupNamespace(std::string_view root)
{
	if (!pathExists(rootedPath(root, "/proc/self/ns/cgroup")))
		return false;
	if (pathExists(rootedPath(root, "/sys/fs/cgroup/cgroup.controllers"))) {
		// cgroup2: cgroup.events exists only below the root cgroup, and so does cgroup.type
		// (on kernels that have cgroup.type at all, which /sys/kernel/cgroup/features
		// tells).
		if (!pathExists(rootedPath(root, "/sys/fs/cgroup/cgroup.events")))
			return false;
		if (pathExists(rootedPath(root, "/sys/fs/cgroup/cgroup.type")))
			return true;
		return !pathExists(rootedPath(root, "/sys/kernel/cgroup/features"));
	}
	// cgroup1: release_agent exists only in the root of the systemd hierarchy.
	if (!pathExists(rootedPath(root, "/sys/fs/cgroup/systemd")))
		return false;
	return !pathExists(rootedPath(root, "/sys/fs/cgroup/systemd/release_agent"));
}

// The value of VAR in a NUL-separated environment block; empty when absent.
std::string environmentValue(std::string_view environ, std::string_view var)
{
	for (const std::string &entry : split(environ, '\0'))
		if (startsWith(entry, var) && entry.size() > var.size() && entry[var.size()] == '=')
			return entry.substr(var.size() + 1);
	return {};
}

struct VendorId {
	std::string_view prefix;
	std::string_view id;
};

// virt.c's dmi_vendor_table as in systemd 252, with "Oracle Corporation" and "Google Compute
// Engine" of later versions.
constexpr VendorId kDmiVendors[] = {
	{"KVM", "kvm"},
	{"OpenStack", "kvm"},
	{"KubeVirt", "kvm"},
	{"Amazon EC2", "amazon"},
	{"QEMU", "qemu"},
	{"VMware", "vmware"},
	{"VMW", "vmware"},
	{"innotek GmbH", "oracle"},
	{"VirtualBox", "oracle"},
	{"Oracle Corporation", "oracle"},
	{"Xen", "xen"},
	{"Bochs", "bochs"},
	{"Parallels", "parallels"},
	{"BHYVE", "bhyve"},
	{"Hyper-V", "microsoft"},
	{"Apple Virtualization", "apple"},
	{"Google Compute Engine", "google"},
};

// virt.c's vm_table of CPUID hypervisor signatures.
constexpr VendorId kCpuidVendors[] = {
	{"XenVMMXenVMM", "xen"},   {"KVMKVMKVM", "kvm"},       {"Linux KVM Hv", "kvm"},
	{"TCGTCGTCGTCG", "qemu"},  {"VMwareVMware", "vmware"}, {"Microsoft Hv", "microsoft"},
	{"bhyve bhyve ", "bhyve"}, {"QNXQVMBSQG", "qnx"},      {"ACRNACRNACRN", "acrn"},
	{"SRESRESRESRE", "sre"},
};

enum class SmbiosVmBit { Set, Unset, Unknown };

// The "VM" bit of the SMBIOS BIOS characteristics extension byte 2 (systemd's
// detect_vm_smbios()).
SmbiosVmBit smbiosVmBit(std::string_view root)
{
	auto raw = readFactFile(rootedPath(root, "/sys/firmware/dmi/entries/0-0/raw"));
	if (!raw || raw->size() < 20 || static_cast<unsigned char>((*raw)[1]) < 20)
		return SmbiosVmBit::Unknown;
	return (static_cast<unsigned char>((*raw)[19]) & (1U << 4)) ? SmbiosVmBit::Set
								    : SmbiosVmBit::Unset;
}

// systemd's detect_vm_dmi(): the vendor table over five DMI files, then SMBIOS for EC2.
std::string vmFromDmi(std::string_view root)
{
	std::string found = "none";
	for (std::string_view file :
	     {"product_name", "sys_vendor", "board_vendor", "bios_vendor", "product_version"}) {
		auto line =
			readFactLine(rootedPath(root, "/sys/class/dmi/id/" + std::string(file)));
		if (!line)
			continue;
		for (const VendorId &v : kDmiVendors)
			if (startsWith(*line, v.prefix)) {
				found = v.id;
				break;
			}
		if (found != "none")
			break;
	}
	// Hyper-V's own VMs say so only in product_version of generation 2; both generations say
	// "Virtual Machine" by "Microsoft Corporation" (a Surface says "Surface ...").
	if (found == "none" &&
	    readFactLine(rootedPath(root, "/sys/class/dmi/id/sys_vendor")).value_or("") ==
		    "Microsoft Corporation" &&
	    readFactLine(rootedPath(root, "/sys/class/dmi/id/product_name")).value_or("") ==
		    "Virtual Machine")
		found = "microsoft";

	if (found == "amazon") {
		// EC2 says "Amazon EC2" on bare metal too.
		switch (smbiosVmBit(root)) {
		case SmbiosVmBit::Set:
			return "amazon";
		case SmbiosVmBit::Unset:
			return "none";
		case SmbiosVmBit::Unknown:
			break;
		}
		auto product = readFactLine(rootedPath(root, "/sys/class/dmi/id/product_name"));
		if (!product)
			return "amazon";
		size_t metal = product->find(".metal");
		if (metal != std::string::npos &&
		    (metal + 6 == product->size() || (*product)[metal + 6] == '-'))
			return "none";
		return "amazon";
	}
	if (found == "none" && smbiosVmBit(root) == SmbiosVmBit::Set)
		return "vm-other";
	return found;
}

// 1 for Xen's dom0 (the hardware domain: not a VM), 0 for a domU.
bool isXenDom0(std::string_view root)
{
	if (auto features = readFactLine(rootedPath(root, "/sys/hypervisor/properties/features"))) {
		errno = 0;
		char *end = nullptr;
		unsigned long bits = std::strtoul(features->c_str(), &end, 16);
		if (errno == 0 && end != features->c_str())
			return bits & (1UL << 11); // XENFEAT_dom0
	}
	auto caps = readFactLine(rootedPath(root, "/proc/xen/capabilities"));
	if (!caps)
		return false;
	for (const std::string &cap : split(*caps, ','))
		if (trim(cap) == "control_d")
			return true;
	return false;
}

std::string vmFromDeviceTree(std::string_view root)
{
	auto hv = readFactLine(rootedPath(root, "/proc/device-tree/hypervisor/compatible"));
	if (hv) {
		if (*hv == "linux,kvm")
			return "kvm";
		if (hv->find("xen") != std::string::npos)
			return "xen";
		if (hv->find("vmware") != std::string::npos)
			return "vmware";
		return "vm-other";
	}
	if (pathExists(rootedPath(root, "/proc/device-tree/ibm,partition-name")) &&
	    pathExists(rootedPath(root, "/proc/device-tree/hmc-managed?")) &&
	    !pathExists(rootedPath(root, "/proc/device-tree/chosen/qemu,graphic-width")))
		return "powervm";
	Dir dir(::opendir(rootedPath(root, "/proc/device-tree").c_str()));
	if (!dir)
		return "none";
	bool fwCfg = false;
	while (struct dirent *de = ::readdir(dir.get()))
		if (std::strstr(de->d_name, "fw-cfg")) {
			fwCfg = true;
			break;
		}
	if (fwCfg ||
	    readFactLine(rootedPath(root, "/proc/device-tree/compatible")) == "qemu,pseries")
		return "qemu";
	return "none";
}

std::string vmFromSysinfo(std::string_view root)
{
	// s390: "VM00 Control Program: z/VM    7.2.0" under z/VM, "KVM/Linux" under KVM.
	auto text = readFactFile(rootedPath(root, "/proc/sysinfo"));
	if (!text)
		return "none";
	auto program = procField(*text, "VM00 Control Program");
	if (!program)
		return "none";
	return startsWith(*program, "z/VM") &&
			       (program->size() == 4 ||
				kWhitespace.find((*program)[4]) != std::string::npos)
		       ? "zvm"
		       : "kvm";
}

std::optional<std::string> realCpuidSignature()
{
#if defined(__i386__) || defined(__x86_64__)
	unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
	if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0 || !(ecx & 0x80000000U))
		return std::string(); // no hypervisor
	__cpuid(0x40000000U, eax, ebx, ecx, edx);
	char sig[13] = {};
	std::memcpy(sig, &ebx, 4);
	std::memcpy(sig + 4, &ecx, 4);
	std::memcpy(sig + 8, &edx, 4);
	return std::string(sig);
#else
	return std::nullopt; // no CPUID: the other sources decide
#endif
}

} // namespace

std::string detectContainer(std::string_view root)
{
	// systemd's detect_container(), in its order.
	if (pathExists(rootedPath(root, "/proc/vz")) && !pathExists(rootedPath(root, "/proc/bc")))
		return "openvz";
	if (auto release = readFactLine(rootedPath(root, "/proc/sys/kernel/osrelease")))
		if (release->find("Microsoft") != std::string::npos ||
		    release->find("WSL") != std::string::npos)
			return "wsl";
	if (rootIsRunningSystem(root)) {
		// proot traces us instead of using namespaces.
		if (auto status = readFactFile("/proc/self/status")) {
			std::string tracer = procField(*status, "TracerPid").value_or("0");
			if (tracer != "0" && !tracer.empty())
				if (startsWith(
					    readFactLine("/proc/" + tracer + "/comm").value_or(""),
					    "proot"))
					return "proot";
		}
	}
	std::string fromFiles = containerFromFiles(root);
	for (std::string_view file : {"/run/host/container-manager", "/run/systemd/container"})
		if (auto name = readFactLine(rootedPath(root, file)); name && !name->empty())
			return containerByName(*name, fromFiles);
	if (auto environ = readFactFile(rootedPath(root, "/proc/1/environ"))) {
		std::string name = environmentValue(*environ, "container");
		if (!name.empty())
			return containerByName(name, fromFiles);
	}
	if (fromFiles != "none")
		return fromFiles;
	if (inCgroupNamespace(root))
		return "container-other";
	return "none";
}

std::string detectVm(std::string_view root, const std::optional<std::string> &cpuidSignature)
{
	// systemd's detect_vm(), in its order: DMI for the VMs that run on other hypervisors,
	// UML, Xen, CPUID, then DMI, /sys/hypervisor, the device tree and s390's sysinfo.
	std::string dmi = vmFromDmi(root);
	if (dmi == "oracle" || dmi == "xen" || dmi == "amazon" || dmi == "parallels" ||
	    dmi == "google")
		return dmi;

	auto cpuinfo = readFactFile(rootedPath(root, "/proc/cpuinfo"));
	if (cpuinfo && startsWith(procField(*cpuinfo, "vendor_id").value_or(""), "User Mode Linux"))
		return "uml";

	bool dom0 = false;
	if (pathExists(rootedPath(root, "/proc/xen"))) {
		dom0 = isXenDom0(root);
		if (!dom0)
			return "xen";
	}

	bool other = false;
	std::optional<std::string> signature = cpuidSignature;
	if (!signature && rootIsRunningSystem(root))
		signature = realCpuidSignature();
	if (!signature && cpuinfo && cpuinfoFlags(*cpuinfo).count("hypervisor"))
		signature = "?"; // the bit is set; the vendor is not in the root
	if (signature && !signature->empty()) {
		std::string_view id = "vm-other";
		for (const VendorId &v : kCpuidVendors)
			if (*signature == v.prefix)
				id = v.id;
		if (id != "vm-other")
			return std::string(id);
		other = true;
	}
	if (dom0)
		return other ? "vm-other" : "none";

	if (dmi == "vm-other")
		other = true;
	else if (dmi != "none")
		return dmi;

	if (auto type = readFactLine(rootedPath(root, "/sys/hypervisor/type"))) {
		if (*type == "xen")
			return "xen";
		other = true;
	}

	std::string dt = vmFromDeviceTree(root);
	if (dt == "vm-other")
		other = true;
	else if (dt != "none")
		return dt;

	std::string zvm = vmFromSysinfo(root);
	if (zvm != "none")
		return zvm;
	return other ? "vm-other" : "none";
}

std::string detectVirtualization(std::string_view root)
{
	std::string container = detectContainer(root);
	return container != "none" ? container : detectVm(root);
}

} // namespace modloadd
