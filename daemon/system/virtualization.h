// systemd-detect-virt for the system under a root: the container or VM it runs in, by systemd's
// names.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace modloadd {

// systemd's detect_container(): "none" or the container ("docker", "podman", "lxc", ...,
// "container-other").
std::string detectContainer(std::string_view root);

// systemd's detect_vm(): "none", a VM ("kvm", "qemu", "microsoft", ...) or "vm-other".
// `cpuidSignature` is what CPUID's hypervisor leaf says ("KVMKVMKVM", "TCGTCGTCGTCG", ...;
// "" = hypervisor bit clear). Without it: CPUID itself for the running system; for another
// root, whose machine CPUID does not describe, the "hypervisor" flag of ROOT/proc/cpuinfo
// stands for the bit, with an unknown vendor.
std::string detectVm(std::string_view root,
		     const std::optional<std::string> &cpuidSignature = std::nullopt);

// systemd-detect-virt: the container, or else the VM; "none" when neither.
std::string detectVirtualization(std::string_view root);

} // namespace modloadd
