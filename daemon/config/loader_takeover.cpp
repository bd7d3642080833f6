// Unit links under /etc/systemd/system and /run/systemd/system, and udev's rules files.
#include "config/loader_takeover.h"

#include "base/rooted_path.h"
#include "base/strings.h"
#include "config/conf_files.h"

#include <filesystem>

namespace modloadd {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kUnitDirs[] = {"/etc/systemd/system", "/run/systemd/system"};
constexpr std::string_view kModulesLoad = "systemd-modules-load.service";
constexpr std::string_view kModloadd = "modloadd.service";

// Where the link at PATH points, or empty when it is no link.
std::string linkTarget(const fs::path &path)
{
	std::error_code ec;
	fs::path target = fs::read_symlink(path, ec);
	return ec ? std::string() : target.string();
}

bool namesModloadd(const std::string &target)
{
	return target == kModloadd || endsWith(target, "/modloadd.service");
}

// A rules line that loads a module: udev's kmod builtin, or a modprobe it runs.
bool loadsModules(std::string_view line)
{
	line = trim(line);
	if (line.empty() || line[0] == '#')
		return false;
	return line.find("kmod load") != std::string_view::npos ||
	       line.find("modprobe") != std::string_view::npos;
}

} // namespace

TakeoverState readTakeover(std::string_view root)
{
	TakeoverState state;
	std::error_code ec;
	for (std::string_view dir : kUnitDirs) {
		std::string base = rootedPath(root, dir);
		std::string alias = linkTarget(base + "/" + std::string(kModulesLoad));
		if (namesModloadd(alias))
			state.modulesLoadAliased = state.modloaddEnabled = true;
		else if (alias == "/dev/null")
			state.modulesLoadMasked = true;
		for (const fs::directory_entry &e : fs::directory_iterator(base, ec)) {
			std::string name = e.path().filename().string();
			if (endsWith(name, ".wants") &&
			    fs::is_symlink(e.path() / std::string(kModloadd), ec))
				state.modloaddEnabled = true;
		}
	}
	Diagnostics ignored; // an unreadable rules directory hides nothing udev would read
	for (const ConfFile &f : listConfFiles(root, "udev/rules.d", ".rules", ignored)) {
		std::string text;
		if (readConfFileText(f.path, text) < 0)
			continue;
		unsigned n = 0;
		for (const std::string &line : split(text, '\n', false)) {
			n++;
			if (loadsModules(line))
				state.udevLoading.push_back(
					{f.displayPath, n, std::string(trim(line))});
		}
	}
	return state;
}

} // namespace modloadd
