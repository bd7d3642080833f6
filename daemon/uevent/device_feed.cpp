// Coldplug in the background: requests handed over while the walk goes on.
#include "uevent/device_feed.h"

#include "uevent/coldplug.h"

#include <cstdint>
#include <sys/eventfd.h>
#include <unistd.h>

namespace modloadd {

DeviceFeed::DeviceFeed(std::string root)
    : root_(std::move(root)), wakeup_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)),
      thread_(&DeviceFeed::walk, this)
{
}

DeviceFeed::~DeviceFeed()
{
	wait();
}

void DeviceFeed::wait()
{
	if (thread_.joinable())
		thread_.join();
}

void DeviceFeed::walk()
{
	ColdplugStats stats;
	scanDevices(
		root_,
		[this](Uevent &&device) {
			bool first;
			{
				std::lock_guard guard(lock_);
				first = pending_.empty();
				pending_.push_back(std::move(device));
			}
			// Once per batch: the reader takes everything pending at each wakeup.
			if (first)
				wake();
		},
		stats);
	done_.store(true, std::memory_order_release);
	wake();
}

void DeviceFeed::wake()
{
	if (!wakeup_.valid())
		return;
	uint64_t one = 1;
	(void)!write(wakeup_.get(), &one, sizeof one);
}

std::vector<Uevent> DeviceFeed::take()
{
	if (wakeup_.valid()) {
		uint64_t drained;
		(void)!read(wakeup_.get(), &drained, sizeof drained);
	}
	std::vector<Uevent> out;
	{
		std::lock_guard guard(lock_);
		out.swap(pending_);
	}
	devices_ += out.size();
	return out;
}

} // namespace modloadd
