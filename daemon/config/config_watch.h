// The configuration directories, watched with inotify: a drop-in added, rewritten, renamed or
// removed, or a directory appearing or going away, is a change the daemon reloads for.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/handles.h"
#include "base/result.h"

namespace modloadd {

// One kind of drop-in: SUBDIR under each of kConfDirs, files named *SUFFIX.
struct WatchedKind {
	std::string subdir; // "modules-load.d", "modloadd/rules.d"
	std::string suffix; // ".conf", ".rules"
};

class ConfigWatch {
public:
	// Watches every directory of every kind under ROOT. A directory that does not exist (yet)
	// is watched through its nearest existing parent, as far up as ROOT, for the name that
	// leads to it. An Error when inotify is not available.
	static Result<ConfigWatch> open(std::string root, std::vector<WatchedKind> kinds);

	// Readable when changes are pending.
	int fd() const { return fd_.get(); }

	// Takes the pending events without blocking. Returns the directories, as the user knows
	// them ("/etc/modules-load.d"), where a drop-in changed or that appeared or went away;
	// empty when nothing of that kind happened (an editor's hidden or backup file, another
	// file in a parent directory, a parent of a directory that is still missing). Directories
	// that appeared or went away are watched anew before this returns, so nothing written after
	// it is missed.
	std::vector<std::string> drain();

	// How many directories are watched (the directories themselves or a parent).
	size_t watches() const { return watches_; }

private:
	ConfigWatch(UniqueFd fd, std::string root, std::vector<WatchedKind> kinds);
	void arm();
	// Whether DISPLAY_DIR exists and is watched itself, not through a parent.
	bool watchedItself(const std::string &displayDir) const;

	struct Watched {
		std::string displayDir; // the directory meant, as the user knows it
		std::string suffix;
		// Empty when the watch is on the directory itself; else the name under the watched
		// parent whose creation would bring the directory closer.
		std::string awaiting;
	};

	UniqueFd fd_;
	std::string root_;
	std::vector<WatchedKind> kinds_;
	std::unordered_multimap<int, Watched> byWatch_; // one inode may serve several directories
	size_t watches_ = 0;
};

} // namespace modloadd
