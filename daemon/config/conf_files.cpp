// Finding and reading drop-in configuration files the way systemd's conf-files.c does.
#include "config/conf_files.h"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

#include "base/handles.h"
#include "base/read_to_end.h"
#include "base/rooted_path.h"
#include "base/strings.h"

namespace modloadd {

namespace {

enum class EntryKind { Regular, Mask, Skip };

struct Entry {
	EntryKind kind = EntryKind::Skip;
	std::string path; // where a Regular entry's contents really are
};

std::optional<std::string> readLink(const std::string &path)
{
	std::string target(PATH_MAX, '\0');
	ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
	if (n < 0 || static_cast<size_t>(n) >= target.size())
		return std::nullopt;
	target.resize(static_cast<size_t>(n));
	return target;
}

// Decide what the directory entry PATH (DISPLAY inside the machine at ROOT) is. A link to
// "/dev/null" masks (the text compared, as systemd does: a fixture root has no dev/null of its
// own); any other link is followed as it would resolve if ROOT were "/": inside the image, never
// into the host (rootedPath()).
Entry classifyEntry(std::string_view root, const std::string &path, const std::string &display)
{
	struct stat st;
	if (::lstat(path.c_str(), &st) < 0)
		return {}; // raced away
	std::string real = path;
	if (S_ISLNK(st.st_mode)) {
		auto target = readLink(path);
		if (!target || target->empty())
			return {};
		if (*target == "/dev/null")
			return {EntryKind::Mask, {}};
		// Under a root, rootedPath() has followed every link (a loop leads nowhere); on the
		// host the kernel follows them.
		real = rootedPath(root, display);
		if (::stat(real.c_str(), &st) < 0)
			return {}; // dangling
	}
	if (S_ISCHR(st.st_mode))
		return {EntryKind::Mask, {}};
	if (S_ISREG(st.st_mode)) {
		if (st.st_size == 0)
			return {EntryKind::Mask, {}};
		return {EntryKind::Regular, real};
	}
	return {}; // directory, FIFO, socket, block device: not a configuration file
}

} // namespace

std::vector<ConfFile> listConfFiles(std::string_view root, std::string_view subdir,
				    std::string_view suffix, Diagnostics &diags)
{
	namespace fs = std::filesystem;

	// File name -> the entry that wins it; nullopt when masked. std::map orders names
	// bytewise (char_traits<char> compares as unsigned char), like systemd's strcmp sort.
	std::map<std::string, std::optional<ConfFile>> byName;

	for (std::string_view dir : kConfDirs) {
		std::string displayDir = fmt::format("{}/{}", dir, subdir);
		std::string realDir = rootedPath(root, displayDir);

		std::error_code ec;
		fs::directory_iterator it(realDir, ec);
		if (ec) {
			// Most systems have only some of these directories.
			if (ec != std::errc::no_such_file_or_directory)
				diags.push_back(
					{displayDir, 0,
					 fmt::format("Failed to read directory: {}, ignoring",
						     ec.message())});
			continue;
		}

		for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
			std::string name = it->path().filename().string();
			if (name.empty() || name.front() == '.' || !endsWith(name, suffix))
				continue;
			// Higher-priority directories come first: the name is already decided.
			if (byName.contains(name))
				continue;

			std::string display = fmt::format("{}/{}", displayDir, name);
			Entry entry =
				classifyEntry(root, fmt::format("{}/{}", realDir, name), display);
			if (entry.kind == EntryKind::Skip)
				continue;
			if (entry.kind == EntryKind::Mask)
				byName.emplace(name, std::nullopt);
			else
				byName.emplace(name, ConfFile{entry.path, std::move(display)});
		}
		if (ec)
			diags.push_back({displayDir, 0,
					 fmt::format("Failed to read directory: {}, ignoring",
						     ec.message())});
	}

	std::vector<ConfFile> files;
	for (auto &[name, file] : byName)
		if (file)
			files.push_back(std::move(*file));
	return files;
}

int readConfFileText(const std::string &path, std::string &text)
{
	// O_NONBLOCK so that opening a FIFO cannot wait for a writer; fstat() then rejects it.
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	if (!fd.valid())
		return -errno;

	struct stat st;
	if (::fstat(fd.get(), &st) < 0)
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	if (static_cast<unsigned long long>(st.st_size) > kMaxConfFileSize)
		return -EFBIG;

	// st_size is only a hint: files in /proc report 0, and a file can grow while we read.
	text.reserve(static_cast<size_t>(st.st_size));
	return readToEnd(fd.get(), kMaxConfFileSize, text);
}

std::string diagnosticLocation(const Diagnostic &d)
{
	return d.line ? fmt::format("{}:{}", d.file, d.line) : d.file;
}

Diagnostic readFailure(std::string_view displayPath, int r)
{
	std::string why;
	switch (-r) {
	case EBADFD:
		why = "not a regular file";
		break;
	case EFBIG:
		why = fmt::format("larger than {} MiB", kMaxConfFileSize / (size_t{1024} * 1024));
		break;
	default:
		why = std::strerror(-r);
		break;
	}
	return {std::string(displayPath), 0, fmt::format("Failed to read: {}, ignoring", why)};
}

std::string quoteForDiagnostic(std::string_view text)
{
	constexpr size_t kMaxShown = 80;
	constexpr std::string_view kEllipsis = "...";

	std::string out;
	size_t keep = 0; // the last cut point that leaves room for the ellipsis
	for (unsigned char c : text) {
		std::string piece;
		switch (c) {
		case '\t':
			piece = "\\t";
			break;
		case '\r':
			piece = "\\r";
			break;
		case '\n':
			piece = "\\n";
			break;
		case '\\':
			piece = "\\\\";
			break;
		case '\'':
			piece = "\\'";
			break;
		default:
			if (c >= 0x20 && c < 0x7f)
				piece = static_cast<char>(c);
			else
				piece = fmt::format("\\x{:02x}", c);
			break;
		}
		if (out.size() + piece.size() > kMaxShown) {
			out.resize(keep);
			out += kEllipsis;
			return out;
		}
		out += piece;
		if (out.size() <= kMaxShown - kEllipsis.size())
			keep = out.size();
	}
	return out;
}

} // namespace modloadd
