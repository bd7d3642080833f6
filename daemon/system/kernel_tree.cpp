// Locating the module tree of a kernel version under a root.
#include "system/kernel_tree.h"

#include "base/rooted_path.h"
#include "base/strings.h"
#include "system/fact_files.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fmt/format.h>
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

std::set<std::string> readBuiltinModules(std::string_view root, std::string_view release)
{
	std::set<std::string> names;
	for (std::string_view base : kModuleDirs) {
		auto text = readFactFile(
			rootedPath(root, fmt::format("{}/{}/modules.builtin", base, release)));
		if (!text)
			continue;
		// One path per line, relative to the tree: "kernel/drivers/usb/host/xhci-pci.ko".
		for (const std::string &line : split(*text, '\n')) {
			std::string_view file = trim(line);
			file = file.substr(file.rfind('/') + 1);
			if (endsWith(file, ".ko"))
				file.remove_suffix(3);
			if (!file.empty())
				names.insert(normalizeModuleName(file));
		}
		break;
	}
	return names;
}

} // namespace modloadd
