// Coldplug in the background: requests handed over while the walk goes on.
#include "uevent/device_feed.h"

#include "uevent/coldplug.h"

namespace modloadd {

DeviceFeed::DeviceFeed(std::string root) : root_(std::move(root)), thread_(&DeviceFeed::walk, this)
{
}

DeviceFeed::~DeviceFeed()
{
	thread_.join();
}

void DeviceFeed::walk()
{
	ColdplugStats stats;
	scanDevices(
		root_,
		[this](Uevent &&device) {
			std::lock_guard guard(lock_);
			pending_.push_back(std::move(device));
		},
		stats);
	done_.store(true, std::memory_order_release);
}

std::vector<Uevent> DeviceFeed::take()
{
	std::vector<Uevent> out;
	{
		std::lock_guard guard(lock_);
		out.swap(pending_);
	}
	devices_ += out.size();
	return out;
}

} // namespace modloadd
