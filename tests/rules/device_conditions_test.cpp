// Tests for the device conditions and the set of devices they look at.
#include <catch2/catch.hpp>

#include "rules/device_conditions.h"

using namespace modloadd;

namespace {

Uevent device(std::string action, std::string devpath, std::string subsystem, std::string modalias,
	      std::vector<std::pair<std::string, std::string>> props = {})
{
	Uevent e;
	e.action = std::move(action);
	e.devpath = std::move(devpath);
	e.subsystem = std::move(subsystem);
	e.modalias = std::move(modalias);
	e.properties = std::move(props);
	return e;
}

Condition cond(ConditionType type, std::string value)
{
	std::string expected;
	std::optional<Condition> c = parseCondition(type, value, expected);
	INFO(value << ": " << expected);
	REQUIRE(c);
	return *c;
}

// An NVIDIA GPU (class 030000), a virtio NIC and a Logitech receiver with one interface.
DeviceSet machine()
{
	DeviceSet set;
	set.apply(device("add", "/devices/pci0000:00/0000:01:00.0", "pci",
			 "pci:v000010DEd00002204sv00001458sd0000403Bbc03sc00i00"));
	set.apply(device("add", "/devices/pci0000:00/0000:00:03.0", "pci",
			 "pci:v00001AF4d00001041sv00001AF4sd00001100bc02sc00i00"));
	set.apply(device("add", "/devices/pci0000:00/0000:00:14.0/usb1/1-2", "usb", "",
			 {{"DEVTYPE", "usb_device"}, {"PRODUCT", "46d/c52b/1201"}}));
	set.apply(device("add", "/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0", "usb",
			 "usb:v046DpC52Bd1201dc00dsc00dp00ic03isc01ip01in00"));
	return set;
}

} // namespace

TEST_CASE("given a pci modalias, we should read vendor, device and class from it")
{
	DeviceFacts f =
		deviceFacts(device("add", "/devices/x", "pci",
				   "pci:v000010DEd00002204sv00001458sd0000403Bbc03sc00i00"));
	CHECK(f.pciVendor == "10de");
	CHECK(f.pciDevice == "2204");
	CHECK(f.pciClass == "030000");
}

TEST_CASE("given a pci device without a modalias, we should use PCI_ID and PCI_CLASS")
{
	DeviceFacts f = deviceFacts(device("add", "/devices/x", "pci", "",
					   {{"PCI_ID", "1AF4:1041"}, {"PCI_CLASS", "20000"}}));
	CHECK(f.pciVendor == "1af4");
	CHECK(f.pciDevice == "1041");
	CHECK(f.pciClass == "020000");
}

TEST_CASE("given device conditions, we should match the devices present and only them")
{
	DeviceSet set = machine();
	CHECK(set.size() == 4);
	struct Case {
		ConditionType type;
		const char *value;
		bool holds;
	};
	const Case cases[] = {
		{ConditionType::PCIDevice, "10de", true},
		{ConditionType::PCIDevice, "10DE:2204", true},
		{ConditionType::PCIDevice, "10de:*:03*", true},
		{ConditionType::PCIDevice, "10de:*:02*", false},
		{ConditionType::PCIDevice, "10de:*:03", true},
		{ConditionType::PCIDevice, "10de:*:0302", false},
		{ConditionType::PCIDevice, "10de:*:030000", true},
		{ConditionType::PCIDevice, "1af4:1041:020000", true},
		{ConditionType::PCIDevice, "8086", false},
		{ConditionType::PCIDevice, "*:*:0300*", true},
		{ConditionType::PCIDevice, "1af4:10??", true},
		{ConditionType::USBDevice, "046d", true},
		{ConditionType::USBDevice, "046d:c52b", true},
		{ConditionType::USBDevice, "046d:c52c", false},
		{ConditionType::USBDevice, "10de", false},
		{ConditionType::Modalias, "pci:v000010DE*", true},
		{ConditionType::Modalias, "usb:*ic03*", true},
		{ConditionType::Modalias, "virtio:*", false},
	};
	for (const Case &c : cases) {
		INFO(conditionName(c.type) << "=" << c.value);
		CHECK(testDeviceCondition(cond(c.type, c.value), set) == c.holds);
	}
}

TEST_CASE("given a device removed, we should no longer match it")
{
	DeviceSet set = machine();
	Condition nvidia = cond(ConditionType::PCIDevice, "10de");
	REQUIRE(testDeviceCondition(nvidia, set));
	CHECK_FALSE(set.apply(device("remove", "/devices/pci0000:00/0000:01:00.0", "pci", "")));
	CHECK_FALSE(testDeviceCondition(nvidia, set));
	// Back again: a new device for the conditions.
	CHECK(set.apply(device("add", "/devices/pci0000:00/0000:01:00.0", "pci",
			       "pci:v000010DEd00002204sv00001458sd0000403Bbc03sc00i00")));
	CHECK(testDeviceCondition(nvidia, set));
	// A second add of the same device is no news.
	CHECK_FALSE(set.apply(device("add", "/devices/pci0000:00/0000:01:00.0", "pci",
				     "pci:v000010DEd00002204sv00001458sd0000403Bbc03sc00i00")));
}

TEST_CASE("given a parsed device condition whose text is changed afterwards, we should match "
	  "what was parsed, never the text")
{
	DeviceSet set = machine();
	Condition nvidia = cond(ConditionType::PCIDevice, "10de:*:03");
	nvidia.value = "ffff";
	CHECK(testDeviceCondition(nvidia, set));
	Condition virtio = cond(ConditionType::Modalias, "pci:v00001AF4*");
	virtio.value = "none:*";
	CHECK(testDeviceCondition(virtio, set));

	// The text alone, never parsed, matches nothing.
	Condition unparsed;
	unparsed.type = ConditionType::PCIDevice;
	unparsed.value = "10de";
	CHECK_FALSE(testDeviceCondition(unparsed, set));
	unparsed.type = ConditionType::Modalias;
	unparsed.value = "*";
	CHECK_FALSE(testDeviceCondition(unparsed, set));
}

TEST_CASE("given devices with nothing to match, we should not keep them")
{
	DeviceSet set;
	CHECK_FALSE(set.apply(device("add", "/devices/virtual/net/lo", "net", "")));
	CHECK_FALSE(set.apply(device("move", "/devices/x", "pci",
				     "pci:v000010DEd00002204sv00001458sd0000403Bbc03sc00i00")));
	CHECK(set.size() == 0);
}
