// Coldplug in the background: requests handed over while the walk goes on.
#include "uevent/device_feed.h"

#include "uevent/coldplug.h"
#include "uevent/device_requests.h"

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
			std::vector<Request> found = requestsForDevice(device);
			if (found.empty())
				return;
			std::lock_guard guard(lock_);
			for (Request &r : found)
				pending_.push_back(std::move(r));
		},
		stats);
	devices_ = stats.devices;
	done_.store(true, std::memory_order_release);
}

std::vector<Request> DeviceFeed::take()
{
	std::vector<Request> out;
	{
		std::lock_guard guard(lock_);
		out.swap(pending_);
	}
	requests_ += out.size();
	return out;
}

} // namespace modloadd
