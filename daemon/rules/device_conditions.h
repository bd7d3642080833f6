// The devices present, as far as rules ask about them, and the device conditions tested on them.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "rules/condition.h"
#include "uevent/uevent.h"

namespace modloadd {

// What the device conditions look at, from one device's uevent.
struct DeviceFacts {
	std::string modalias;
	std::string pciVendor, pciDevice, pciClass; // lower-case hex: "10de", "2204", "030000"
	std::string usbVendor, usbProduct;	    // lower-case hex: "046d", "c52b"
};

// Every device seen by coldplug and hotplug and not removed since, by devpath.
class DeviceSet {
public:
	// An "add" (or coldplug, "bind", "change") event records the device, a "remove" forgets
	// it. Returns true when a device was added that a device condition can see (a new devpath
	// with facts).
	bool apply(const Uevent &event);
	void clear() { devices_.clear(); }
	size_t size() const { return devices_.size(); }
	const std::map<std::string, DeviceFacts, std::less<>> &devices() const { return devices_; }

private:
	std::map<std::string, DeviceFacts, std::less<>> devices_;
};

// Facts from one uevent: PCI ids from a pci: modalias (or PCI_ID=/PCI_CLASS=), USB ids from a
// usb: modalias (or PRODUCT=).
DeviceFacts deviceFacts(const Uevent &event);

// Whether some device in the set satisfies the raw test (negate/trigger not applied), by
// `c.parsed` only.
bool testDeviceCondition(const Condition &c, const DeviceSet &devices);

} // namespace modloadd
