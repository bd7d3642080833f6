// Finding and reading drop-in configuration files the way systemd's conf-files.c does.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/request.h"

namespace modloadd {

// Directories modules-load.d(5) searches, highest priority first.
inline constexpr std::array<std::string_view, 5> kConfDirs = {"/etc", "/run", "/usr/local/lib",
							      "/usr/lib", "/lib"};

// Configuration is small; anything bigger is a mistake (or an attack), not a list of modules.
inline constexpr size_t kMaxConfFileSize = 16 * 1024 * 1024;

struct ConfFile {
	std::string path;	 // real path on disk, with root prefix
	std::string displayPath; // path as the user knows it, without root prefix
};

// Files named *SUFFIX in DIR/SUBDIR for each DIR of `kConfDirs` under `root`; a name in a
// higher-priority dir hides the same name below; a file that is a symlink to /dev/null, a
// character device, or empty masks that name (it and the lower ones are dropped); hidden files
// (leading '.') and non-regular entries are skipped; the result is ordered by file name (strcmp)
// across dirs. Unreadable directories: a Diagnostic (file = the dir) and continue. Missing dirs:
// silently fine.
std::vector<ConfFile> listConfFiles(std::string_view root, std::string_view subdir,
				    std::string_view suffix, Diagnostics &diags);

// Reads a whole configuration file into `text`. Only regular files are read, like systemd's
// stat_verify_regular(): a FIFO or device named like a drop-in would block or never end.
// Returns 0, or -errno: -EISDIR for a directory, -EBADFD for another non-regular file, -EFBIG
// when larger than kMaxConfFileSize, or whatever open()/read() failed with.
int readConfFileText(const std::string &path, std::string &text);

// Where a diagnostic points: "FILE:LINE", "FILE" when it concerns the whole file, "" for none.
std::string diagnosticLocation(const Diagnostic &d);

// The diagnostic for a readConfFileText() failure: "Failed to read: <why>, ignoring".
Diagnostic readFailure(std::string_view displayPath, int r);

// `text` made safe to quote in a diagnostic: non-printable bytes escaped as \xNN (\t, \r, \n
// by name) and the result cut to 80 characters with "..." so one bad line cannot flood the log.
std::string quoteForDiagnostic(std::string_view text);

} // namespace modloadd
