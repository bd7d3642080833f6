// Reading the small /proc, /sys and /etc files that hold the facts of the machine conditions.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace modloadd {

// "/" or "": the root is the running system, so uname(), sched_getaffinity() and CPUID
// describe it.
bool rootIsRunningSystem(std::string_view root);

// The whole regular file, up to a bound far above any /proc or /sys file; nullopt when unreadable
// or not a regular file (a FIFO in its place is not waited on).
std::optional<std::string> readFactFile(const std::string &path);
// The first line without its line end (systemd's read_one_line_file()); a string property
// of the device tree ends at its NUL.
std::optional<std::string> readFactLine(const std::string &path);

// access(F_OK), as systemd: follows symlinks, a dangling one does not exist.
bool pathExists(const std::string &path);
bool isDirectory(const std::string &path);
// A regular file (symlinks followed) with at least one byte.
bool isNonEmptyFile(const std::string &path);
// The opposite of systemd's dir_is_empty(): an entry other than ".", ".." and hidden or backup
// files (hidden_or_backup_file() of systemd 252). A directory that cannot be read has none.
bool directoryHasEntries(const std::string &path);
// Whether the absolute glob `pattern` (braces allowed) matches a path under `root`; glob
// characters in the root itself are taken literally. False, without a look at the disk, for a
// pattern whose braces expand past kMaxGlobPatterns.
bool globMatchesUnder(std::string_view root, std::string_view pattern);

// glob(3) with GLOB_BRACE walks the paths once per pattern its braces expand to: the product of
// the alternatives of the groups, so that each {a,b} doubles the cost (22 of them: 4 million
// walks). We bound that count rather than match without expanding: a condition never needs
// more than a handful of alternatives, and a small bound keeps glob(3)'s own semantics.
inline constexpr size_t kMaxGlobPatterns = 64;
// How many patterns the braces of PATTERN expand to, as glob(3) with GLOB_BRACE reads them
// (nested groups counted within their alternative, a '\' escaping the next character, a '{'
// without its '}' taken literally); counting stops past LIMIT, returning LIMIT + 1.
size_t braceExpansions(std::string_view pattern, size_t limit = kMaxGlobPatterns);

// The value of "NAME<space>: value" in a /proc file of such lines (cpuinfo, sysinfo), up to
// the end of the line; nullopt when no line names it.
std::optional<std::string> procField(std::string_view text, std::string_view name);
// The "flags" of the first processor in the text of /proc/cpuinfo.
std::set<std::string> cpuinfoFlags(std::string_view cpuinfo);

} // namespace modloadd
