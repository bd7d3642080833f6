// The reload record: "generation N", "daemon PID" and "requested-by PID..." lines.
#include "service/reload_record.h"

#include "base/handles.h"
#include "base/rooted_path.h"
#include "base/strings.h"
#include "config/conf_files.h"

#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <unistd.h>

namespace modloadd {

std::optional<pid_t> parsePid(std::string_view s)
{
	constexpr uint64_t kPidMaxLimit = 4194304; // PID_MAX_LIMIT on 64-bit kernels
	auto n = parseDecimal(s);
	if (!n || *n == 0 || *n > kPidMaxLimit)
		return std::nullopt;
	return static_cast<pid_t>(*n);
}

std::string reloadRecordPath(std::string_view root)
{
	return rootedPath(root, "/run/modloadd/reloaded");
}

std::optional<ReloadRecord> readReloadRecord(std::string_view root)
{
	std::string text;
	if (readConfFileText(reloadRecordPath(root), text) < 0)
		return std::nullopt;
	ReloadRecord record;
	bool haveGeneration = false;
	for (const std::string &line : split(text, '\n')) {
		std::vector<std::string> words = split(line, ' ');
		if (words.empty())
			continue;
		if (words[0] == "generation" && words.size() == 2) {
			auto n = parseDecimal(words[1]);
			haveGeneration = n.has_value();
			record.generation = n.value_or(0);
		} else if (words[0] == "daemon" && words.size() == 2) {
			auto pid = parsePid(words[1]);
			if (!pid)
				return std::nullopt;
			record.daemon = *pid;
		} else if (words[0] == "requested-by") {
			for (size_t i = 1; i < words.size(); i++) {
				auto pid = parsePid(words[i]);
				if (!pid)
					return std::nullopt;
				record.requestedBy.push_back(*pid);
			}
		}
	}
	if (!haveGeneration)
		return std::nullopt;
	return record;
}

int writeReloadRecord(std::string_view root, const ReloadRecord &record)
{
	std::string path = reloadRecordPath(root);
	std::error_code ec;
	std::filesystem::create_directories(path.substr(0, path.find_last_of('/')), ec);
	if (ec)
		return -ec.value();
	std::string text = fmt::format("generation {}\ndaemon {}\nrequested-by", record.generation,
				       record.daemon);
	for (pid_t pid : record.requestedBy)
		text += fmt::format(" {}", pid);
	text += '\n';
	std::string temporary = path + ".new";
	UniqueFd fd(open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	if (!fd.valid())
		return -errno;
	bool written =
		write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
	int err = errno;
	fd.reset();
	if (!written || rename(temporary.c_str(), path.c_str()) < 0) {
		err = written ? errno : (err ? err : EIO);
		unlink(temporary.c_str());
		return -err;
	}
	return 0;
}

} // namespace modloadd
