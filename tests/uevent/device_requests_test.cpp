// Device events to requests: the modalias, and the fixed modules of udev's driver rules.
#include "uevent/device_requests.h"

#include <catch2/catch.hpp>

using namespace modloadd;

namespace {

Uevent event(std::string action, std::string devpath, std::string subsystem,
	     std::vector<std::pair<std::string, std::string>> extra = {})
{
	Uevent e;
	e.action = std::move(action);
	e.devpath = std::move(devpath);
	e.subsystem = std::move(subsystem);
	e.properties = {{"ACTION", e.action}, {"DEVPATH", e.devpath}, {"SUBSYSTEM", e.subsystem}};
	for (auto &[k, v] : extra) {
		if (k == "MODALIAS")
			e.modalias = v;
		if (k == "DEVTYPE")
			e.devtype = v;
		e.properties.emplace_back(k, v);
	}
	return e;
}

std::vector<std::string> names(const std::vector<Request> &requests)
{
	std::vector<std::string> out;
	for (const Request &r : requests)
		out.push_back(r.name);
	return out;
}

} // namespace

TEST_CASE("given an add event with a modalias, we should ask for that modalias from that device")
{
	auto e = event("add", "/devices/pci0000:00/0000:00:03.0", "pci",
		       {{"MODALIAS", "pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00"}});
	auto r = requestsForDevice(e);
	REQUIRE(r.size() == 1);
	CHECK(r[0].name == e.modalias);
	CHECK(r[0].modalias == e.modalias);
	CHECK(r[0].devpath == "/devices/pci0000:00/0000:00:03.0");
	CHECK(r[0].fromDevice());
	CHECK(r[0].origin == "device /devices/pci0000:00/0000:00:03.0 "
			     "(pci:v00001AF4d00001000sv00001AF4sd00000001bc02sc00i00)");
}

TEST_CASE("given events other than add, we should ask for nothing")
{
	for (const char *action : {"remove", "change", "bind", "unbind", "move", "online"})
		CHECK(requestsForDevice(event(action, "/devices/x", "pci",
					      {{"MODALIAS", "pci:v00001AF4d00001000sv*"}}))
			      .empty());
}

TEST_CASE("given an add event without a modalias, we should ask for nothing unless a driver rule "
	  "names a module")
{
	CHECK(requestsForDevice(event("add", "/devices/virtual/net/lo", "net")).empty());
	CHECK(names(requestsForDevice(event("add",
					    "/devices/pci0000:00/0000:00:05.0/virtio2/host0/"
					    "target0:0:0/0:0:0:0",
					    "scsi", {{"DEVTYPE", "scsi_device"}}))) ==
	      std::vector<std::string>{"sg"});
	CHECK(requestsForDevice(event("add", "/devices/pci0000:00/0000:00:05.0/virtio2/host0",
				      "scsi", {{"DEVTYPE", "scsi_host"}}))
		      .empty());
	CHECK(names(requestsForDevice(
		      event("add", "/devices/x/tifm0", "tifm", {{"TIFM_CARD_TYPE", "SD"}}))) ==
	      std::vector<std::string>{"tifm_sd"});
	CHECK(names(requestsForDevice(
		      event("add", "/devices/x/tifm0", "tifm", {{"TIFM_CARD_TYPE", "MS"}}))) ==
	      std::vector<std::string>{"tifm_ms"});
	CHECK(requestsForDevice(
		      event("add", "/devices/x/tifm0", "tifm", {{"TIFM_CARD_TYPE", "XD"}}))
		      .empty());
	CHECK(names(requestsForDevice(event("add", "/devices/x/memstick0", "memstick"))) ==
	      std::vector<std::string>{"ms_block", "mspro_block"});
	CHECK(names(requestsForDevice(event("add", "/devices/x/i2o0", "i2o"))) ==
	      std::vector<std::string>{"i2o_block"});
	CHECK(names(requestsForDevice(event("add", "/module/parport_pc", "module"))) ==
	      std::vector<std::string>{"ppdev"});
	CHECK(requestsForDevice(event("add", "/module/parport", "module")).empty());
	CHECK(names(requestsForDevice(event("add", "/devices/virtual/mtd/mtd3ro", "mtd",
					    {{"MTD_FTL", "smartmedia"}}))) ==
	      std::vector<std::string>{"sm_ftl"});
	CHECK(requestsForDevice(
		      event("add", "/devices/virtual/mtd/mtd3", "mtd", {{"MTD_FTL", "smartmedia"}}))
		      .empty());
}

TEST_CASE("given a fixed module asked for by a device, we should name the device and the reason")
{
	auto r = requestsForDevice(event("add", "/devices/x/host0/target0:0:0/0:0:0:0", "scsi",
					 {{"DEVTYPE", "scsi_device"}}));
	REQUIRE(r.size() == 1);
	CHECK(r[0].devpath == "/devices/x/host0/target0:0:0/0:0:0:0");
	CHECK(r[0].modalias.empty());
	CHECK(r[0].origin == "device /devices/x/host0/target0:0:0/0:0:0:0 (SCSI device)");
}

TEST_CASE("given a SCSI device with a modalias, we should ask for its driver and for sg")
{
	auto r =
		requestsForDevice(event("add", "/devices/x/0:0:0:0", "scsi",
					{{"DEVTYPE", "scsi_device"}, {"MODALIAS", "scsi:t-0x00"}}));
	CHECK(names(r) == std::vector<std::string>{"scsi:t-0x00", "sg"});
}

TEST_CASE("given a modalias that fails validation, we should not pass it on")
{
	auto r = requestsForDevice(event("add", "/devices/x", "pci",
					 {{"MODALIAS", "pci:[" + std::string(5000, 'a')}}));
	CHECK(r.empty());
}
