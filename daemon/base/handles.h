// RAII owners for the C handles modloadd uses: one place knows how each is released.
#pragma once

#include <dirent.h>
#include <glob.h>
#include <libkmod.h>
#include <libudev.h>
#include <memory>
#include <systemd/sd-event.h>
#include <unistd.h>

namespace modloadd {

template <auto Unref> struct Unreffer {
	template <typename T> void operator()(T *p) const noexcept { Unref(p); }
};

using KmodContext = std::unique_ptr<kmod_ctx, Unreffer<kmod_unref>>;
using KmodModule = std::unique_ptr<kmod_module, Unreffer<kmod_module_unref>>;
using KmodList = std::unique_ptr<kmod_list, Unreffer<kmod_module_unref_list>>;
using KmodInfoList = std::unique_ptr<kmod_list, Unreffer<kmod_module_info_free_list>>;
using KmodConfigIter = std::unique_ptr<kmod_config_iter, Unreffer<kmod_config_iter_free_iter>>;
using SdEvent = std::unique_ptr<sd_event, Unreffer<sd_event_unref>>;
using Udev = std::unique_ptr<udev, Unreffer<udev_unref>>;
using UdevMonitor = std::unique_ptr<udev_monitor, Unreffer<udev_monitor_unref>>;
using UdevDevice = std::unique_ptr<udev_device, Unreffer<udev_device_unref>>;
// closedir() also closes the descriptor a DIR was opened on (fdopendir).
using Dir = std::unique_ptr<DIR, Unreffer<closedir>>;
// A source is disabled as it is released, so that its callback never runs after its owner.
using SdEventSource = std::unique_ptr<sd_event_source, Unreffer<sd_event_source_disable_unref>>;

// What glob(3) found, released with globfree(). glob() may fill it in part and then fail, so it
// is released whatever glob() returned.
class GlobPaths {
public:
	GlobPaths() = default;
	GlobPaths(const GlobPaths &) = delete;
	GlobPaths &operator=(const GlobPaths &) = delete;
	~GlobPaths() { ::globfree(&glob_); }

	// For glob()'s last argument.
	glob_t *get() { return &glob_; }
	size_t size() const { return glob_.gl_pathc; }
	const char *operator[](size_t i) const { return glob_.gl_pathv[i]; }

private:
	glob_t glob_{};
};

// An owned file descriptor; -1 when empty.
class UniqueFd {
public:
	UniqueFd() = default;
	explicit UniqueFd(int fd) : fd_(fd) {}
	UniqueFd(UniqueFd &&other) noexcept : fd_(other.release()) {}
	UniqueFd &operator=(UniqueFd &&other) noexcept
	{
		reset(other.release());
		return *this;
	}
	UniqueFd(const UniqueFd &) = delete;
	UniqueFd &operator=(const UniqueFd &) = delete;
	~UniqueFd() { reset(); }

	int get() const { return fd_; }
	bool valid() const { return fd_ >= 0; }
	int release()
	{
		int fd = fd_;
		fd_ = -1;
		return fd;
	}
	void reset(int fd = -1)
	{
		if (fd_ >= 0)
			::close(fd_);
		fd_ = fd;
	}

private:
	int fd_ = -1;
};

} // namespace modloadd
