// Coldplug: the devices already in sysfs, as the "add" uevents the daemon missed or lost.
#include "uevent/coldplug.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

#include "base/handles.h"
#include "base/read_to_end.h"
#include "base/rooted_path.h"
#include "base/strings.h"

namespace modloadd {

namespace {

// sysfs attributes are one page; a fixture file may be larger, but nothing real is.
constexpr size_t kMaxAttributeSize = 64 * 1024;

// Reads the regular file NAME in the directory `dirFd` without following a symlink; O_NONBLOCK
// so that a FIFO named like an attribute cannot stall the scan. 0, -ENOENT when absent,
// -EBADFD when it is not a regular file, -EFBIG when too large, or the failing call's -errno
// (a sysfs read fails with the driver's error, e.g. -ENODEV for a device going away).
int readAttribute(int dirFd, const char *name, std::string &text)
{
	UniqueFd fd(::openat(dirFd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
	if (!fd.valid())
		return errno == ELOOP ? -EBADFD : -errno; // ELOOP: NAME is a symlink
	struct stat st;
	if (::fstat(fd.get(), &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EBADFD;
	return readToEnd(fd.get(), kMaxAttributeSize, text);
}

// The basename of the `subsystem` link's target ("../../../bus/pci" -> "pci"); empty when the
// directory has none (a device without bus or class, whose events the kernel never sends).
std::string readSubsystem(int dirFd)
{
	char target[PATH_MAX];
	ssize_t n = ::readlinkat(dirFd, "subsystem", target, sizeof(target));
	if (n <= 0 || static_cast<size_t>(n) >= sizeof(target))
		return {};
	std::string_view t(target, static_cast<size_t>(n));
	size_t slash = t.rfind('/');
	return std::string(slash == std::string_view::npos ? t : t.substr(slash + 1));
}

class Scanner {
public:
	Scanner(const std::function<void(Uevent &&)> &onDevice, ColdplugStats &stats)
	    : onDevice_(onDevice), stats_(stats)
	{
	}

	void walk(int dirFd, const std::string &devpath, int depth)
	{
		stats_.directories++;
		visit(dirFd, devpath);
		for (const std::string &name : subdirectories(dirFd)) {
			if (depth + 1 > kMaxSysfsDepth) {
				stats_.tooDeep++;
				continue;
			}
			// O_NOFOLLOW: sysfs is full of links back up the tree (subsystem, driver,
			// device, firmware_node); only real directories are children.
			UniqueFd child(::openat(dirFd, name.c_str(),
						O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
			if (!child.valid()) {
				if (errno != ENOENT) // ENOENT: the device went away meanwhile
					stats_.unreadable++;
				continue;
			}
			walk(child.get(), devpath + "/" + name, depth + 1);
		}
	}

private:
	// A directory is a device when it has a uevent file or, failing that, a modalias file.
	void visit(int dirFd, const std::string &devpath)
	{
		std::string ueventText;
		int r = readAttribute(dirFd, "uevent", ueventText);
		bool isDevice = r == 0;
		if (r < 0 && r != -ENOENT)
			stats_.unreadable++;

		Uevent ev = ueventFromSysfs(devpath, readSubsystem(dirFd),
					    isDevice ? std::string_view(ueventText) : "");
		if (const std::string *m = ev.property("MODALIAS")) {
			if (!m->empty() && ev.modalias.empty())
				stats_.badModalias++;
		} else {
			std::string modaliasText;
			r = readAttribute(dirFd, "modalias", modaliasText);
			if (r < 0 && r != -ENOENT)
				stats_.unreadable++;
			if (r == 0) {
				std::string_view m = trim(modaliasText);
				ev.properties.emplace_back("MODALIAS", m);
				if (validModalias(m))
					ev.modalias = m;
				else if (!m.empty())
					stats_.badModalias++;
				isDevice = true;
			}
		}
		if (!isDevice)
			return;
		stats_.devices++;
		onDevice_(std::move(ev));
	}

	std::vector<std::string> subdirectories(int dirFd)
	{
		std::vector<std::string> names;
		// The walk keeps DIRFD for its children: read a duplicate, which the DIR owns.
		UniqueFd dup(::fcntl(dirFd, F_DUPFD_CLOEXEC, 0));
		if (!dup.valid())
			return names;
		Dir dir(::fdopendir(dup.get()));
		if (!dir)
			return names;
		dup.release();
		while (dirent *de = ::readdir(dir.get())) {
			if (std::strcmp(de->d_name, ".") == 0 || std::strcmp(de->d_name, "..") == 0)
				continue;
			bool isDir = de->d_type == DT_DIR;
			if (de->d_type == DT_UNKNOWN) {
				struct stat st;
				isDir = ::fstatat(dirFd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) ==
						0 &&
					S_ISDIR(st.st_mode);
			}
			if (isDir)
				names.emplace_back(de->d_name);
		}
		return names;
	}

	const std::function<void(Uevent &&)> &onDevice_;
	ColdplugStats &stats_;
};

} // namespace

void scanDevices(std::string_view root, const std::function<void(Uevent &&)> &onDevice,
		 ColdplugStats &stats)
{
	stats = {};
	std::string base = rootedPath(root, "/sys/devices");
	UniqueFd fd(::open(base.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	if (fd.valid())
		Scanner(onDevice, stats).walk(fd.get(), "/devices", 0);
}

std::vector<Uevent> scanDevices(std::string_view root, ColdplugStats &stats)
{
	std::vector<Uevent> out;
	scanDevices(
		root, [&out](Uevent &&ev) { out.push_back(std::move(ev)); }, stats);
	std::sort(out.begin(), out.end(),
		  [](const Uevent &a, const Uevent &b) { return a.devpath < b.devpath; });
	return out;
}

std::vector<Uevent> scanDevices(std::string_view root)
{
	ColdplugStats stats;
	return scanDevices(root, stats);
}

} // namespace modloadd
