// How much memory and how many CPUs the system under a root has, as systemd counts them for
// ConditionMemory= and ConditionCPUs=.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace modloadd {

// systemd's physical_memory(), in bytes: MemTotal of ROOT/proc/meminfo, capped by the memory
// limit of the cgroup PID 1 lives in (whole pages), so that a container sees its limit.
std::optional<uint64_t> physicalMemory(std::string_view root);

// For the running system, the CPUs of our affinity mask (systemd's cpus_in_affinity_mask());
// for another root, the CPUs ROOT/sys/devices/system/cpu/online lists.
std::optional<unsigned> usableCpus(std::string_view root);

} // namespace modloadd
