// Reading and replacing the instance record.
#include "service/instance_record.h"

#include "base/handles.h"
#include "base/rooted_path.h"
#include "base/strings.h"
#include "config/conf_files.h"
#include "service/reload_record.h"

#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <unistd.h>

namespace modloadd {

std::optional<pid_t> recordInstance(std::string_view root)
{
	std::string path = rootedPath(root, "/run/modloadd/instance");
	std::string text;
	std::optional<pid_t> previous;
	if (readConfFileText(path, text) >= 0)
		previous = parsePid(trim(text));
	std::error_code ec;
	std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
	// Written whole to a new file, then renamed over: a reader never sees half a line.
	std::string tmp = path + ".new";
	UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	if (fd.valid()) {
		std::string line = fmt::format("{}\n", getpid());
		if (write(fd.get(), line.data(), line.size()) == static_cast<ssize_t>(line.size()))
			std::filesystem::rename(tmp, path, ec);
	}
	if (previous && *previous == getpid())
		return std::nullopt;
	return previous;
}

} // namespace modloadd
