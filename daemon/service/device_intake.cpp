// Coldplug, hotplug and rescans into the boot planner's device step.
#include "service/device_intake.h"

#include "report/daemon_report.h"
#include "uevent/coldplug.h"

namespace modloadd {

DeviceIntake::DeviceIntake(BootPlanner &planner, Journal &journal)
    : planner_(planner), journal_(journal)
{
}

void DeviceIntake::listen(UeventsFrom from, size_t receiveBuffer)
{
	if (from == UeventsFrom::None)
		return;
	auto monitor = UeventMonitor::open(from == UeventsFrom::Udev ? UeventSource::Udev
								     : UeventSource::Kernel,
					   receiveBuffer);
	if (!monitor) {
		reportNoUevents(journal_, monitor.error());
		return;
	}
	monitor_.emplace(std::move(*monitor));
	monitor_->setRejectionObserver(UeventDropReporter(journal_));
}

void DeviceIntake::startColdplug()
{
	feed_ = std::make_unique<DeviceFeed>(planner_.root());
}

DeviceBatch DeviceIntake::takeColdplug(bool wait)
{
	DeviceBatch batch;
	if (!feed_) {
		batch.ended = true;
		return batch;
	}
	if (wait)
		feed_->wait();
	bool walking = !feed_->done(); // read before take(): the last take gets the rest
	for (const Uevent &device : feed_->take())
		batch.appeared |= planner_.takeDevice(device, batch.requests);
	if (!walking) {
		batch.ended = true;
		feed_.reset();
	}
	return batch;
}

DeviceBatch DeviceIntake::drainUevents()
{
	DeviceBatch batch;
	if (!monitor_)
		return batch;
	batch.lost = monitor_->drain([&](Uevent &&event) {
		size_t before = batch.requests.size();
		batch.appeared |= planner_.takeDevice(event, batch.requests);
		deviceEvents_ += batch.requests.size() != before;
	});
	return batch;
}

DeviceBatch DeviceIntake::rescan()
{
	rescans_++;
	DeviceBatch batch;
	planner_.forgetDevices();
	for (const Uevent &device : scanDevices(planner_.root()))
		planner_.takeDevice(device, batch.requests);
	// The set is new: every device rule is tested again.
	batch.appeared = true;
	batch.ended = true;
	return batch;
}

void DeviceIntake::reportStop() const
{
	if (monitor_)
		reportUeventCounters(journal_, monitor_->counters(), rescans_);
}

} // namespace modloadd
