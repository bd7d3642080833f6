// The facts of the machine under a root that rules ask about: kernel, command line, CPU, memory,
// firmware, virtualization, machine ID, hostname, modules.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace modloadd {

// The facts of the machine that rules ask about, read through `root` ("/" or "": the running
// system). Facts fixed for a boot are read on first use and kept: kernel release and command line,
// DMI, CPU flags, architecture, firmware, virtualization, memory, CPUs, machine ID, builtin
// modules. The hostname and the live modules are read again at every call. An unreadable
// fact is empty (nullopt). Not thread-safe: one per thread.
class MachineFacts {
public:
	explicit MachineFacts(std::string_view root);

	const std::string &root() const { return root_; }
	// "/" or "": uname(), sched_getaffinity() and CPUID describe the root.
	bool isRunningSystem() const { return running_; }

	// systemd-detect-virt's answer (system/virtualization.h): "none", a VM ("kvm", "qemu",
	// "microsoft", ..., "vm-other") or a container ("docker", "podman", ...,
	// "container-other"); a container wins.
	const std::string &virtualization();
	bool inVm();
	bool inContainer();
	// What CPUID's hypervisor leaf says on the machine a fixture root describes ("KVMKVMKVM",
	// "TCGTCGTCGTCG", "Microsoft Hv", ...; "" = hypervisor bit clear). Only for roots other
	// than "/": there CPUID would describe the machine we run on, not the root's, so by default
	// the "hypervisor" flag of ROOT/proc/cpuinfo stands for the bit, with an unknown vendor.
	void setCpuidHypervisor(std::string signature);

	const std::optional<std::string> &kernelRelease();
	// Words of ROOT/proc/cmdline; in a container, of PID 1's command line (as systemd).
	const std::optional<std::vector<std::string>> &kernelCommandLine();
	// systemd's name ("x86-64", "arm64", ...) of uname -m, or of ROOT/proc/sys/kernel/arch.
	const std::optional<std::string> &architecture();
	// The "flags" of the first processor in ROOT/proc/cpuinfo.
	const std::set<std::string> &cpuFlags();
	// Bytes: MemTotal, capped by the memory limit of PID 1's cgroup, as systemd.
	std::optional<uint64_t> memory();
	std::optional<unsigned> cpus();
	// 32 lower-case hex digits from ROOT/etc/machine-id.
	const std::optional<std::string> &machineId();
	std::optional<std::string> hostname();
	// The trimmed contents of ROOT/sys/class/dmi/id/FIELD.
	const std::optional<std::string> &dmiField(const std::string &field);
	bool efiBoot();
	bool deviceTree();
	// The NUL-separated strings of the device tree's root "compatible" property.
	const std::vector<std::string> &deviceTreeCompatible();
	// NAME ('-' and '_' alike) is live in ROOT/proc/modules, or built into the kernel.
	bool moduleLoaded(std::string_view name);

private:
	std::string path(std::string_view p) const;

	std::string root_;
	bool running_;
	std::optional<std::string> cpuidSignature_;

	// A fact read on first use and kept.
	template <typename T> struct Once {
		bool known = false;
		T value{};
	};

	Once<std::string> container_; // "none" when not in one
	Once<std::string> virtualization_;
	Once<std::optional<std::string>> kernelRelease_;
	Once<std::optional<std::vector<std::string>>> cmdline_;
	Once<std::optional<std::string>> architecture_;
	Once<std::set<std::string>> cpuFlags_;
	Once<std::optional<uint64_t>> memory_;
	Once<std::optional<unsigned>> cpus_;
	Once<std::optional<std::string>> machineId_;
	std::map<std::string, std::optional<std::string>, std::less<>> dmi_;
	Once<bool> efiBoot_;
	Once<bool> deviceTree_;
	Once<std::vector<std::string>> compatible_;
	Once<std::set<std::string>> builtinModules_;
};

} // namespace modloadd
