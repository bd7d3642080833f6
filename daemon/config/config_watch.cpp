// inotify over the drop-in directories, including those that do not exist yet.
#include "config/config_watch.h"

#include "base/rooted_path.h"
#include "base/strings.h"
#include "config/conf_files.h"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <set>
#include <sys/inotify.h>

namespace modloadd {

namespace {

// One mask for every watch: the same inode may be watched as a directory and as a parent
// (/lib and /usr/lib on merged-/usr systems), and inotify keeps one mask per inode.
constexpr uint32_t kMask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE |
			   IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

std::string parentOf(const std::string &path)
{
	size_t slash = path.find_last_of('/');
	return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string baseName(const std::string &path)
{
	return path.substr(path.find_last_of('/') + 1);
}

} // namespace

Result<ConfigWatch> ConfigWatch::open(std::string root, std::vector<WatchedKind> kinds)
{
	UniqueFd fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
	if (!fd.valid())
		return Error{-errno, fmt::format("cannot watch the configuration directories: {}",
						 strerror(errno))};
	ConfigWatch watch(std::move(fd), std::move(root), std::move(kinds));
	watch.arm();
	return watch;
}

ConfigWatch::ConfigWatch(UniqueFd fd, std::string root, std::vector<WatchedKind> kinds)
    : fd_(std::move(fd)), root_(std::move(root)), kinds_(std::move(kinds))
{
}

bool ConfigWatch::watchedItself(const std::string &displayDir) const
{
	for (const auto &[wd, watched] : byWatch_)
		if (watched.displayDir == displayDir && watched.awaiting.empty())
			return true;
	return false;
}

void ConfigWatch::arm()
{
	std::set<int> old;
	for (const auto &[wd, watched] : byWatch_)
		old.insert(wd);
	for (int wd : old)
		inotify_rm_watch(fd_.get(), wd);
	byWatch_.clear();

	std::set<int> now;
	std::string top = rootedPath(root_, "/");
	if (top.size() > 1 && top.back() == '/')
		top.pop_back();
	for (const WatchedKind &kind : kinds_)
		for (std::string_view dir : kConfDirs) {
			std::string display = std::string(dir) + "/" + kind.subdir;
			std::string path = rootedPath(root_, display);
			std::string awaiting;
			for (;;) {
				int wd = inotify_add_watch(fd_.get(), path.c_str(), kMask);
				if (wd >= 0) {
					byWatch_.emplace(wd,
							 Watched{display, kind.suffix, awaiting});
					now.insert(wd);
					break;
				}
				// Missing, or a file where a directory should be: wait for the name
				// one level up. Anything else (EACCES, no watches left): not this
				// one.
				if ((errno != ENOENT && errno != ENOTDIR) ||
				    path.size() <= top.size())
					break;
				awaiting = baseName(path);
				path = parentOf(path);
			}
		}
	watches_ = now.size();
}

std::vector<std::string> ConfigWatch::drain()
{
	std::set<std::string> changed;
	std::set<std::string> nearer; // directories one of whose missing parents appeared
	bool rearm = false;
	alignas(inotify_event) char buf[16384];
	for (;;) {
		ssize_t n = read(fd_.get(), buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break; // EAGAIN: all taken
		}
		for (char *p = buf; p < buf + n;) {
			const auto *ev = reinterpret_cast<const inotify_event *>(p);
			p += sizeof(inotify_event) + ev->len;
			if (ev->mask & IN_Q_OVERFLOW) {
				// Events were lost: any directory may have changed.
				for (const auto &[wd, watched] : byWatch_)
					changed.insert(watched.displayDir);
				rearm = true;
				continue;
			}
			std::string_view name = ev->len ? std::string_view(ev->name) : "";
			bool self = ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED);
			auto [begin, end] = byWatch_.equal_range(ev->wd);
			for (auto it = begin; it != end; ++it) {
				const Watched &w = it->second;
				if (self) {
					// The directory (or the parent waited on) went away.
					rearm = true;
					if (w.awaiting.empty())
						changed.insert(w.displayDir);
				} else if (!w.awaiting.empty()) {
					if (name == w.awaiting) {
						rearm = true;
						nearer.insert(w.displayDir);
					}
				} else if (!name.empty() && name.front() != '.' &&
					   endsWith(name, w.suffix)) {
					changed.insert(w.displayDir);
				}
			}
		}
	}
	if (rearm)
		arm();
	// A missing directory's parent appeared: a change when the directory is there now (made,
	// perhaps filled, before the watch could move down to it). When it is still missing, none
	// of its drop-ins can have been missed, and the watch waits further down: the daemon's
	// own /run/modloadd is no change in /run/modloadd/rules.d.
	for (const std::string &dir : nearer)
		if (watchedItself(dir))
			changed.insert(dir);
	return {changed.begin(), changed.end()};
}

} // namespace modloadd
