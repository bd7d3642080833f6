// Coldplug in the background: the devices present, handed over while the walk of sysfs goes on,
// so that loading starts with the first device found rather than the last.
#pragma once

#include "base/handles.h"
#include "uevent/uevent.h"

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

	// Readable when devices wait to be taken or the walk has ended (an eventfd, for an event
	// loop).
	int fd() const { return wakeup_.get(); }
	// The devices found since the last call, in walk order; never blocks.
	std::vector<Uevent> take();
	// Blocks until the walk has ended (for a caller that cannot wait on fd()).
	void wait();
	// The walk has ended: after this turned true, one more take() returns the rest.
	bool done() const { return done_.load(std::memory_order_acquire); }
	// Devices handed over so far.
	size_t devices() const { return devices_; }

private:
	void walk();
	void wake();

	std::string root_;
	UniqueFd wakeup_;
	std::mutex lock_; // guards pending_
	std::vector<Uevent> pending_;
	size_t devices_ = 0;
	std::atomic<bool> done_{false};
	std::thread thread_; // last: starts once the members above exist
};

} // namespace modloadd
