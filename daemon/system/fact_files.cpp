// Reading the small /proc, /sys and /etc files that hold the facts of the machine conditions.
#include "system/fact_files.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/handles.h"
#include "base/read_to_end.h"
#include "base/strings.h"

namespace modloadd {

namespace {

// /proc and /sys files are small; cpuinfo of a big machine is the largest we read.
constexpr size_t kMaxFactFile = size_t{16} << 20;

} // namespace

bool rootIsRunningSystem(std::string_view root)
{
	return root.find_first_not_of('/') == std::string_view::npos;
}

std::optional<std::string> readFactFile(const std::string &path)
{
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
	std::string text;
	if (!fd.valid() || readToEnd(fd.get(), kMaxFactFile, text) < 0)
		return std::nullopt;
	return text;
}

std::optional<std::string> readFactLine(const std::string &path)
{
	auto text = readFactFile(path);
	if (!text)
		return std::nullopt;
	size_t end = text->find_first_of(std::string_view("\n\0", 2));
	if (end != std::string::npos)
		text->resize(end);
	while (!text->empty() && text->back() == '\r')
		text->pop_back();
	return text;
}

bool pathExists(const std::string &path)
{
	return ::access(path.c_str(), F_OK) == 0;
}

bool isDirectory(const std::string &path)
{
	struct stat st;
	return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::optional<std::string> procField(std::string_view text, std::string_view name)
{
	for (const std::string &line : split(text, '\n')) {
		if (!startsWith(line, name))
			continue;
		std::string_view rest = std::string_view(line).substr(name.size());
		size_t colon = rest.find_first_not_of(" \t");
		if (colon == std::string_view::npos || rest[colon] != ':')
			continue;
		return std::string(trim(rest.substr(colon + 1)));
	}
	return std::nullopt;
}

std::set<std::string> cpuinfoFlags(std::string_view cpuinfo)
{
	std::set<std::string> flags;
	if (auto line = procField(cpuinfo, "flags"))
		for (std::string &flag : split(*line, ' '))
			flags.insert(std::string(trim(flag)));
	flags.erase("");
	return flags;
}

} // namespace modloadd
