// Locating the module tree of a kernel version under a root.
#include "system/kernel_tree.h"

#include "base/strings.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fmt/format.h>
#include <set>
#include <sys/utsname.h>

namespace modloadd {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kModuleDirs[] = {"/lib/modules", "/usr/lib/modules"};

std::optional<KernelTree> treeFor(std::string_view root, const std::string &version)
{
	for (std::string_view base : kModuleDirs) {
		std::string display = fmt::format("{}/{}", base, version);
		std::string dir = rootedPath(root, display);
		std::error_code ec;
		if (fs::is_directory(dir, ec))
			return KernelTree{version, dir, display};
	}
	return std::nullopt;
}

} // namespace

std::optional<std::string> runningKernelVersion()
{
	utsname u{};
	if (uname(&u) < 0)
		return std::nullopt;
	return std::string(u.release);
}

Result<KernelTree> findKernelTree(std::string_view root, const std::optional<std::string> &version)
{
	if (version) {
		if (auto t = treeFor(root, *version))
			return *t;
		return Error{-ENOENT, fmt::format("no module directory for kernel {} under {}",
						  *version, rootedPath(root, "/lib/modules"))};
	}

	// Merged-/usr systems show the same versions twice; a set keeps each once.
	std::set<std::string> versions;
	for (std::string_view base : kModuleDirs) {
		std::error_code ec;
		for (const auto &entry : fs::directory_iterator(rootedPath(root, base), ec)) {
			std::error_code ec2;
			if (entry.is_directory(ec2) &&
			    fs::exists(entry.path() / "modules.dep", ec2))
				versions.insert(entry.path().filename().string());
		}
	}
	if (versions.size() == 1)
		if (auto t = treeFor(root, *versions.begin()))
			return *t;

	if (auto running = runningKernelVersion())
		if (auto t = treeFor(root, *running))
			return *t;
	if (versions.empty())
		return Error{-ENOENT,
			     fmt::format("no kernel module tree (with modules.dep) under {}",
					 rootedPath(root, "/lib/modules"))};
	return Error{-EINVAL,
		     fmt::format("several kernels under {} ({}) and none is the running one; "
				 "choose with --kernel",
				 rootedPath(root, "/lib/modules"),
				 fmt::join(versions.begin(), versions.end(), ", "))};
}

} // namespace modloadd
