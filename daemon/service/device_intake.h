// The devices, in three ways: the walk of sysfs at start (coldplug), the uevents after it, and a
// walk again when uevents were lost. Every device goes through the boot planner's device step
// (the set the rules' device conditions see, and its requests); the caller submits the requests
// and tests the device rules.
#pragma once

#include "base/journal.h"
#include "config/settings.h"
#include "service/boot_plan.h"
#include "uevent/device_feed.h"
#include "uevent/uevent_monitor.h"

#include <memory>
#include <optional>
#include <vector>

namespace modloadd {

// What one intake handed over.
struct DeviceBatch {
	std::vector<Request> requests;
	bool appeared = false; // a device appeared that a device condition can see
	bool ended = false;    // coldplug: the walk is over and all it found is in this batch
	bool lost = false;     // uevents: the kernel dropped some (ENOBUFS): rescan
};

// Main thread only.
class DeviceIntake {
public:
	DeviceIntake(BootPlanner &planner, Journal &journal);
	DeviceIntake(const DeviceIntake &) = delete;
	DeviceIntake &operator=(const DeviceIntake &) = delete;

	// Opens the uevent socket; call before the walk, so a device that appears in between is
	// seen by one or the other (by both at worst: the run answers a repeat from memory). A
	// failure is journaled: hotplugged devices then get nothing.
	void listen(UeventsFrom from, size_t receiveBuffer);
	// Starts the walk of ROOT/sys/devices on a thread of its own.
	void startColdplug();

	// Readable when the walk has devices to hand over or has ended; -1 without a walk.
	int coldplugFd() const { return feed_ ? feed_->fd() : -1; }
	// Readable when uevents wait; -1 when not listening.
	int ueventFd() const { return monitor_ ? monitor_->fd() : -1; }

	// What the walk found since the last call. With WAIT, everything, once the walk has ended
	// (for when coldplugFd() cannot be watched).
	DeviceBatch takeColdplug(bool wait = false);
	// The uevents waiting, read until none is left.
	DeviceBatch drainUevents();
	// /sys/devices walked again after lost uevents; the device set rebuilt from it.
	DeviceBatch rescan();

	// Accepted uevents that asked for something; nullopt when not listening.
	std::optional<uint64_t> deviceEvents() const
	{
		return monitor_ ? std::optional(deviceEvents_) : std::nullopt;
	}
	uint64_t rescans() const { return rescans_; }
	const UeventCounters *counters() const
	{
		return monitor_ ? &monitor_->counters() : nullptr;
	}

	// The uevent counters, in the journal as the daemon stops.
	void reportStop() const;

private:
	BootPlanner &planner_;
	Journal &journal_;
	std::optional<UeventMonitor> monitor_;
	std::unique_ptr<DeviceFeed> feed_;
	uint64_t deviceEvents_ = 0; // accepted uevents that asked for something
	uint64_t rescans_ = 0;
};

} // namespace modloadd
