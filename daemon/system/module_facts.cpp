// Readers of /sys/module, a device's modalias and /lib/firmware under a root.
#include "system/module_facts.h"

#include "base/rooted_path.h"
#include "base/strings.h"
#include "system/fact_files.h"
#include "system/live_modules.h"

#include <filesystem>
#include <fmt/format.h>

namespace modloadd {

std::optional<std::string> readModuleAttribute(std::string_view root, const std::string &module,
					       const std::string &attribute)
{
	auto line =
		readFactLine(rootedPath(root, fmt::format("/sys/module/{}/{}", module, attribute)));
	if (line)
		line = std::string(trim(*line));
	return line;
}

bool moduleIsLive(std::string_view root, const std::string &module)
{
	return readLiveModules(root).count(module) > 0 ||
	       readModuleAttribute(root, module, "initstate").has_value();
}

std::set<std::string> liveModuleNames(std::string_view root)
{
	std::set<std::string> live = readLiveModules(root);
	std::error_code ec;
	for (const auto &e :
	     std::filesystem::directory_iterator(rootedPath(root, "/sys/module"), ec))
		if (pathExists((e.path() / "initstate").string()))
			live.insert(e.path().filename().string());
	return live;
}

std::optional<std::string> readDeviceModalias(std::string_view root, std::string_view devpath)
{
	std::string_view path = devpath;
	if (startsWith(path, "/sys/"))
		path.remove_prefix(4);
	std::string dir = rootedPath(root, fmt::format("/sys{}", path));
	if (auto line = readFactLine(dir + "/modalias"); line && !trim(*line).empty())
		return std::string(trim(*line));
	auto uevent = readFactFile(dir + "/uevent");
	if (!uevent)
		return std::nullopt;
	for (const std::string &line : split(*uevent, '\n'))
		if (startsWith(line, "MODALIAS="))
			return std::string(trim(std::string_view(line).substr(9)));
	return std::nullopt;
}

std::optional<std::string> findFirmware(std::string_view root, std::string_view version,
					const std::string &name)
{
	// The kernel's firmware search path (drivers/base/firmware_loader/main.c, fw_path).
	const std::string dirs[] = {
		fmt::format("/lib/firmware/updates/{}", version),
		"/lib/firmware/updates",
		fmt::format("/lib/firmware/{}", version),
		"/lib/firmware",
	};
	for (const std::string &dir : dirs)
		for (std::string_view ext : {"", ".zst", ".xz"}) {
			std::string shown = fmt::format("{}/{}{}", dir, name, ext);
			if (pathExists(rootedPath(root, shown)))
				return shown;
		}
	return std::nullopt;
}

} // namespace modloadd
