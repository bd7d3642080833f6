// How much memory and how many CPUs the system under a root has, as systemd counts them.
#include "system/machine_resources.h"

#include <cerrno>
#include <limits>
#include <sched.h>
#include <unistd.h>

#include "base/rooted_path.h"
#include "base/strings.h"
#include "system/fact_files.h"

namespace modloadd {

namespace {

// "0-3,8" -> 5; nullopt when malformed.
std::optional<unsigned> countCpuList(std::string_view list)
{
	list = trim(list);
	if (list.empty())
		return std::nullopt;
	unsigned count = 0;
	for (const std::string &range : split(list, ',')) {
		size_t dash = range.find('-');
		auto number = [](std::string_view s) -> std::optional<unsigned> {
			auto n = parseDecimal(s);
			if (!n || *n > 1u << 20) // far beyond any CPU number the kernel has
				return std::nullopt;
			return static_cast<unsigned>(*n);
		};
		auto first = number(std::string_view(range).substr(0, dash));
		auto last = dash == std::string::npos
				    ? first
				    : number(std::string_view(range).substr(dash + 1));
		if (!first || !last || *last < *first)
			return std::nullopt;
		count += *last - *first + 1;
	}
	return count;
}

std::optional<unsigned> cpusInAffinityMask()
{
	// As systemd's cpus_in_affinity_mask(): grow the set until the kernel's fits.
	for (size_t n = 1024; n <= size_t{1} << 20; n *= 2) {
		cpu_set_t *set = CPU_ALLOC(n);
		if (!set)
			return std::nullopt;
		size_t size = CPU_ALLOC_SIZE(n);
		CPU_ZERO_S(size, set);
		if (::sched_getaffinity(0, size, set) == 0) {
			unsigned count = static_cast<unsigned>(CPU_COUNT_S(size, set));
			CPU_FREE(set);
			return count;
		}
		int err = errno;
		CPU_FREE(set);
		if (err != EINVAL)
			return std::nullopt;
	}
	return std::nullopt;
}

// A size from a cgroup file: a number, or "max" (no limit) -> nullopt.
std::optional<uint64_t> cgroupLimit(const std::string &path)
{
	auto line = readFactLine(path);
	if (!line)
		return std::nullopt;
	auto n = parseDecimal(trim(*line));
	if (!n || *n == std::numeric_limits<uint64_t>::max())
		return std::nullopt;
	return n;
}

// systemd's physical_memory() caps the RAM by the memory limit of the cgroup PID 1 lives in
// (its "root cgroup", less init.scope), so that a container with a limit sees its limit.
std::optional<uint64_t> rootCgroupMemoryLimit(std::string_view root)
{
	auto text = readFactFile(rootedPath(root, "/proc/1/cgroup"));
	if (!text)
		return std::nullopt;
	std::optional<std::string> unifiedPath, legacyPath;
	for (const std::string &line : split(*text, '\n')) {
		// "ID:CONTROLLERS:PATH"; PATH may itself hold ':'.
		size_t first = line.find(':');
		size_t second = first == std::string::npos ? first : line.find(':', first + 1);
		if (second == std::string::npos)
			continue;
		std::string_view controllers =
			std::string_view(line).substr(first + 1, second - first - 1);
		std::string path = line.substr(second + 1);
		if (line.substr(0, first) == "0" && controllers.empty())
			unifiedPath = path;
		else if (controllers == "name=systemd")
			legacyPath = path;
	}
	std::optional<std::string> path = unifiedPath ? unifiedPath : legacyPath;
	if (!path)
		return std::nullopt;
	for (std::string_view leaf : {"/init.scope", "/system.slice", "/system"})
		if (endsWith(*path, leaf)) {
			path->resize(path->size() - leaf.size());
			break;
		}
	// cgroup2 mounted at /sys/fs/cgroup has cgroup.controllers there; v1 and hybrid do not.
	if (pathExists(rootedPath(root, "/sys/fs/cgroup/cgroup.controllers")))
		return cgroupLimit(rootedPath(root, "/sys/fs/cgroup" + *path + "/memory.max"));
	return cgroupLimit(
		rootedPath(root, "/sys/fs/cgroup/memory" + *path + "/memory.limit_in_bytes"));
}

} // namespace

std::optional<uint64_t> physicalMemory(std::string_view root)
{
	// MemTotal is the kernel's totalram, what sysconf(_SC_PHYS_PAGES) reports to systemd.
	auto meminfo = readFactFile(rootedPath(root, "/proc/meminfo"));
	std::optional<std::string> total;
	if (meminfo)
		total = procField(*meminfo, "MemTotal");
	if (!total || !endsWith(*total, " kB"))
		return std::nullopt;
	auto kb = parseDecimal(trim(std::string_view(*total).substr(0, total->size() - 3)));
	if (!kb || *kb > std::numeric_limits<uint64_t>::max() / 1024)
		return std::nullopt;
	uint64_t bytes = *kb * 1024;
	if (auto limit = rootCgroupMemoryLimit(root)) {
		uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
		bytes = std::min(bytes, *limit / page * page);
	}
	return bytes;
}

std::optional<unsigned> usableCpus(std::string_view root)
{
	if (rootIsRunningSystem(root))
		return cpusInAffinityMask();
	auto online = readFactLine(rootedPath(root, "/sys/devices/system/cpu/online"));
	if (!online)
		return std::nullopt;
	return countCpuList(*online);
}

} // namespace modloadd
