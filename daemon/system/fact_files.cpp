// Reading the small /proc, /sys and /etc files that hold the facts of the machine conditions.
#include "system/fact_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/handles.h"
#include "base/read_to_end.h"
#include "base/strings.h"

namespace modloadd {

namespace {

// /proc and /sys files are small; cpuinfo of a big machine is the largest we read.
constexpr size_t kMaxFactFile = size_t{16} << 20;

bool isHiddenOrBackup(std::string_view name)
{
	// systemd's hidden_or_backup_file(), as systemd 252 has it.
	if (startsWith(name, ".") || endsWith(name, "~") || name == "lost+found" ||
	    name == "aquota.user" || name == "aquota.group")
		return true;
	size_t dot = name.rfind('.');
	if (dot == std::string_view::npos)
		return false;
	std::string_view suffix = name.substr(dot + 1);
	for (std::string_view s :
	     {"rpmnew", "rpmsave", "rpmorig", "dpkg-old", "dpkg-new", "dpkg-tmp", "dpkg-dist",
	      "dpkg-bak", "dpkg-backup", "dpkg-remove", "ucf-new", "ucf-old", "ucf-dist", "swp",
	      "bak", "old", "new"})
		if (suffix == s)
			return true;
	return false;
}

// Glob metacharacters in the root are meant literally; the pattern after it is the caller's.
std::string globRoot(std::string_view root)
{
	std::string out;
	for (char c : root) {
		if (std::strchr("*?[]{}\\", c))
			out += '\\';
		out += c;
	}
	while (!out.empty() && out.back() == '/')
		out.pop_back();
	return out;
}

} // namespace

bool rootIsRunningSystem(std::string_view root)
{
	return root.find_first_not_of('/') == std::string_view::npos;
}

std::optional<std::string> readFactFile(const std::string &path)
{
	// O_NONBLOCK: a FIFO (or a device node) in a fact's place must not wait for a writer; a
	// fact is a regular file (those of /proc and /sys are too).
	UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
	struct stat st;
	if (!fd.valid() || ::fstat(fd.get(), &st) < 0 || !S_ISREG(st.st_mode))
		return std::nullopt;
	std::string text;
	if (readToEnd(fd.get(), kMaxFactFile, text) < 0)
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

bool isNonEmptyFile(const std::string &path)
{
	struct stat st;
	return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

bool directoryHasEntries(const std::string &path)
{
	Dir dir(::opendir(path.c_str()));
	if (!dir)
		// systemd counts a directory it cannot read as not empty; we do not guess.
		return false;
	while (struct dirent *de = ::readdir(dir.get())) {
		std::string_view name = de->d_name;
		if (name != "." && name != ".." && !isHiddenOrBackup(name))
			return true;
	}
	return false;
}

namespace {

// The position of the '}' that closes the '{' at OPEN, or npos.
size_t closingBrace(std::string_view s, size_t open)
{
	unsigned depth = 0;
	for (size_t i = open; i < s.size(); i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '{')
			depth++;
		else if (s[i] == '}' && --depth == 0)
			return i;
	}
	return std::string_view::npos;
}

size_t saturatingProduct(size_t a, size_t b, size_t limit)
{
	return a > (limit + 1) / b ? limit + 1 : std::min(a * b, limit + 1);
}

} // namespace

size_t braceExpansions(std::string_view s, size_t limit)
{
	size_t product = 1;
	for (size_t i = 0; i < s.size(); i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		size_t close = s[i] == '{' ? closingBrace(s, i) : std::string_view::npos;
		if (close == std::string_view::npos)
			continue;
		// The alternatives: split at the commas of this group's own level.
		size_t sum = 0, start = i + 1;
		unsigned depth = 0;
		for (size_t j = i + 1; j <= close; j++) {
			if (s[j] == '\\') {
				j++;
			} else if (s[j] == '{') {
				depth++;
			} else if (s[j] == '}' && depth > 0) {
				depth--;
			} else if ((s[j] == ',' && depth == 0) || j == close) {
				sum += braceExpansions(s.substr(start, j - start), limit);
				start = j + 1;
			}
		}
		product = saturatingProduct(product, std::min(sum, limit + 1), limit);
		if (product > limit)
			return limit + 1;
		i = close;
	}
	return product;
}

bool globMatchesUnder(std::string_view root, std::string_view pattern)
{
	if (braceExpansions(pattern) > kMaxGlobPatterns)
		return false;
	std::string full = globRoot(root);
	full += pattern;
	GlobPaths found;
	int r = ::glob(full.c_str(), GLOB_NOSORT | GLOB_BRACE, nullptr, found.get());
	return r == 0 && found.size() > 0;
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
