// Coldplug in the background: the requests of the devices present, handed over while the walk of
// sysfs goes on, so that loading starts with the first device found rather than the last.
#pragma once

#include "config/request.h"

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace modloadd {

class DeviceFeed {
public:
	// Starts walking ROOT/sys/devices on a thread of its own.
	explicit DeviceFeed(std::string root);
	~DeviceFeed(); // waits for the walk to end
	DeviceFeed(const DeviceFeed &) = delete;
	DeviceFeed &operator=(const DeviceFeed &) = delete;

	// The requests found since the last call, in walk order.
	std::vector<Request> take();
	// The walk has ended: after this turned true, one more take() returns the rest.
	bool done() const { return done_.load(std::memory_order_acquire); }
	// Requests handed over so far, and devices seen (read once done()).
	size_t requests() const { return requests_; }
	size_t devices() const { return devices_; }

private:
	void walk();

	std::string root_;
	std::mutex lock_; // guards pending_
	std::vector<Request> pending_;
	size_t requests_ = 0;
	size_t devices_ = 0; // written by the walk thread, read after done()
	std::atomic<bool> done_{false};
	std::thread thread_; // last: starts once the members above exist
};

} // namespace modloadd
