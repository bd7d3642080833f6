// Tests for scanDevices() on fixture sysfs trees: devices, links, loops and unreadable entries.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fcntl.h>
#include <filesystem>
#include <grp.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "temp_tree.h"
#include "uevent/coldplug.h"
#include "uevent/device_feed.h"
#include "uevent/device_requests.h"
#include "uevent_test_support.h"

using namespace modloadd;
using modloadd::testing::TempTree;
namespace fs = std::filesystem;

namespace {

const std::string kCpuModalias = "cpu:type:x86,ven0000fam0006mod0055:feature:,0000,0001,0002";

// A small sysfs: a PCI device with a virtio child and its network interface, a platform
// device, the cpu subsystem's root (modalias file only) and cpu0, and a device outside any
// subsystem.
void writeBasicTree(const TempTree &t)
{
	t.mkdir("/sys/bus/pci/devices");
	t.mkdir("/sys/bus/platform/devices");
	t.mkdir("/sys/bus/virtio/devices");
	t.mkdir("/sys/bus/cpu/devices");
	t.mkdir("/sys/class/net");

	const std::string pci = "/sys/devices/pci0000:00/0000:00:03.0";
	t.write(pci + "/uevent",
		"DRIVER=virtio-pci\nPCI_CLASS=20000\nPCI_ID=1AF4:1041\n"
		"MODALIAS=pci:v00001AF4d00001041sv00001AF4sd00001041bc02sc00i00\n");
	t.write(pci + "/modalias", "pci:v00001AF4d00001041sv00001AF4sd00001041bc02sc00i00\n");
	t.symlink("../../../bus/pci", pci + "/subsystem");
	t.write(pci + "/vendor", "0x1af4\n");
	t.mkdir(pci + "/power");
	t.write(pci + "/virtio2/uevent", "DRIVER=virtio_net\nMODALIAS=virtio:d00000001v00001AF4\n");
	t.write(pci + "/virtio2/modalias", "virtio:d00000001v00001AF4\n");
	t.symlink("../../../../bus/virtio", pci + "/virtio2/subsystem");
	t.write(pci + "/virtio2/net/eth0/uevent", "INTERFACE=eth0\nIFINDEX=2\n");
	t.symlink("../../../../../../class/net", pci + "/virtio2/net/eth0/subsystem");
	// The links sysfs is full of: followed, they would list devices twice or never end.
	t.symlink("../../0000:00:03.0", pci + "/virtio2/device");
	t.symlink("../../../bus/pci/devices", pci + "/backlink");
	t.symlink("../../0000:00:03.0/virtio2", "/sys/bus/virtio/devices/virtio2");

	t.write("/sys/devices/platform/serial8250/uevent",
		"DRIVER=serial8250\nMODALIAS=platform:serial8250\n");
	t.symlink("../../../bus/platform", "/sys/devices/platform/serial8250/subsystem");
	t.write("/sys/devices/platform/uevent", "");

	t.write("/sys/devices/system/cpu/uevent", "");
	t.write("/sys/devices/system/cpu/modalias", kCpuModalias + "\n");
	t.write("/sys/devices/system/cpu/cpu0/uevent", "MODALIAS=" + kCpuModalias + "\n\n");
	t.symlink("../../../../bus/cpu", "/sys/devices/system/cpu/cpu0/subsystem");
}

std::vector<std::string> devpaths(const std::vector<Uevent> &events)
{
	std::vector<std::string> out;
	for (const Uevent &ev : events)
		out.push_back(ev.devpath);
	return out;
}

const Uevent *find(const std::vector<Uevent> &events, std::string_view devpath)
{
	for (const Uevent &ev : events)
		if (ev.devpath == devpath)
			return &ev;
	return nullptr;
}

// scanDevices() in a child that dropped root, so permissions hold; the devpaths found and the
// unreadable count come back through a pipe. Empty + false when the child failed.
bool scanAsNobody(const std::string &root, std::vector<std::string> &found, uint64_t &unreadable)
{
	int fds[2];
	if (::pipe(fds) < 0)
		return false;
	pid_t pid = ::fork();
	if (pid == 0) {
		::close(fds[0]);
		if (::setgroups(0, nullptr) < 0 || ::setgid(65534) < 0 || ::setuid(65534) < 0)
			_exit(2);
		ColdplugStats stats;
		auto events = scanDevices(root, stats);
		std::string out = std::to_string(events.size()) + "\n";
		out += std::to_string(stats.unreadable) + "\n";
		for (const Uevent &ev : events)
			out += ev.devpath + "\n";
		if (::write(fds[1], out.data(), out.size()) != static_cast<ssize_t>(out.size()))
			_exit(3);
		_exit(0);
	}
	::close(fds[1]);
	std::string text;
	char buf[4096];
	ssize_t n;
	while ((n = ::read(fds[0], buf, sizeof(buf))) > 0)
		text.append(buf, static_cast<size_t>(n));
	::close(fds[0]);
	int status = 0;
	::waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return false;
	std::vector<std::string> lines;
	size_t start = 0;
	while (start < text.size()) {
		size_t end = text.find('\n', start);
		lines.push_back(text.substr(start, end - start));
		start = end + 1;
	}
	if (lines.size() < 2)
		return false;
	unreadable = std::stoull(lines[1]);
	found.assign(lines.begin() + 2, lines.end());
	return true;
}

} // namespace

TEST_CASE("given a sysfs tree, we should list every device once, sorted, as add events",
	  "[coldplug]")
{
	TempTree t;
	writeBasicTree(t);
	ColdplugStats stats;
	auto events = scanDevices(t.root(), stats);
	CHECK(devpaths(events) == std::vector<std::string>{
					  "/devices/pci0000:00/0000:00:03.0",
					  "/devices/pci0000:00/0000:00:03.0/virtio2",
					  "/devices/pci0000:00/0000:00:03.0/virtio2/net/eth0",
					  "/devices/platform",
					  "/devices/platform/serial8250",
					  "/devices/system/cpu",
					  "/devices/system/cpu/cpu0",
				  });
	CHECK(stats.devices == events.size());
	CHECK(stats.unreadable == 0);
	CHECK(stats.badModalias == 0);
	for (const Uevent &ev : events) {
		CHECK(ev.action == "add");
		CHECK(ev.seqnum == 0);
	}

	const Uevent *pci = find(events, "/devices/pci0000:00/0000:00:03.0");
	REQUIRE(pci);
	CHECK(pci->subsystem == "pci");
	CHECK(pci->modalias == "pci:v00001AF4d00001041sv00001AF4sd00001041bc02sc00i00");
	using P = std::pair<std::string, std::string>;
	CHECK(pci->properties ==
	      std::vector<P>{
		      {"ACTION", "add"},
		      {"DEVPATH", "/devices/pci0000:00/0000:00:03.0"},
		      {"SUBSYSTEM", "pci"},
		      {"DRIVER", "virtio-pci"},
		      {"PCI_CLASS", "20000"},
		      {"PCI_ID", "1AF4:1041"},
		      {"MODALIAS", "pci:v00001AF4d00001041sv00001AF4sd00001041bc02sc00i00"}});

	const Uevent *eth0 = find(events, "/devices/pci0000:00/0000:00:03.0/virtio2/net/eth0");
	REQUIRE(eth0);
	CHECK(eth0->subsystem == "net");
	CHECK(eth0->modalias.empty());
	CHECK(eth0->kernelName() == "eth0");

	// A device outside any subsystem has no SUBSYSTEM (the kernel sends nothing for it).
	const Uevent *platformRoot = find(events, "/devices/platform");
	REQUIRE(platformRoot);
	CHECK(platformRoot->subsystem.empty());
	CHECK(platformRoot->property("SUBSYSTEM") == nullptr);

	// The cpu subsystem's root has its modalias in a file only; cpu0 in its uevent file,
	// with the extra newline the kernel writes.
	const Uevent *cpu = find(events, "/devices/system/cpu");
	REQUIRE(cpu);
	CHECK(cpu->modalias == kCpuModalias);
	REQUIRE(cpu->property("MODALIAS"));
	CHECK(*cpu->property("MODALIAS") == kCpuModalias);
	const Uevent *cpu0 = find(events, "/devices/system/cpu/cpu0");
	REQUIRE(cpu0);
	CHECK(cpu0->subsystem == "cpu");
	CHECK(cpu0->modalias == kCpuModalias);
}

TEST_CASE("given a directory with a modalias file but no uevent file, we should list it",
	  "[coldplug]")
{
	TempTree t;
	t.write("/sys/devices/LNXSYSTM:00/PNP0501:00/modalias", "acpi:PNP0501:\n");
	ColdplugStats stats;
	auto events = scanDevices(t.root(), stats);
	REQUIRE(events.size() == 1);
	CHECK(events[0].devpath == "/devices/LNXSYSTM:00/PNP0501:00");
	CHECK(events[0].modalias == "acpi:PNP0501:");
	CHECK(*events[0].property("MODALIAS") == "acpi:PNP0501:");
	CHECK(stats.unreadable == 0);
}

TEST_CASE("given symlink loops, we should never follow a link", "[coldplug]")
{
	TempTree t;
	writeBasicTree(t);
	const std::string dev = "/sys/devices/platform/serial8250";
	t.symlink(".", dev + "/self");
	t.symlink("..", dev + "/parent");
	t.symlink("loop-b", dev + "/loop-a");
	t.symlink("loop-a", dev + "/loop-b");
	t.symlink(t.path("/sys/devices"), dev + "/absolute");
	t.mkdir(dev + "/tty/ttyS0");
	t.write(dev + "/tty/ttyS0/uevent", "MAJOR=4\nMINOR=64\nDEVNAME=ttyS0\n");
	t.symlink("../../../serial8250", dev + "/tty/ttyS0/device");
	ColdplugStats stats;
	auto events = scanDevices(t.root(), stats);
	CHECK(events.size() == 8);
	CHECK(find(events, "/devices/platform/serial8250/tty/ttyS0"));
	for (const Uevent &ev : events) {
		INFO(ev.devpath);
		CHECK(ev.devpath.find("self") == std::string::npos);
		CHECK(ev.devpath.find("parent") == std::string::npos);
		CHECK(ev.devpath.find("absolute") == std::string::npos);
	}
}

TEST_CASE("given entries that cannot be read, we should skip and count them", "[coldplug]")
{
	TempTree t;
	writeBasicTree(t);
	// A directory named uevent: its parent is no device, and the directory itself is walked.
	t.mkdir("/sys/devices/platform/odd/uevent");
	// A FIFO would block a plain read forever.
	t.mkdir("/sys/devices/platform/fifo");
	REQUIRE(::mkfifo(t.path("/sys/devices/platform/fifo/uevent").c_str(), 0644) == 0);
	// A uevent that is a symlink is not followed either.
	t.symlink("../serial8250/uevent", "/sys/devices/platform/linked/uevent");
	// A modalias that is a directory, beside a uevent without MODALIAS.
	t.write("/sys/devices/platform/dirmodalias/uevent", "DRIVER=x\n");
	t.mkdir("/sys/devices/platform/dirmodalias/modalias");

	ColdplugStats stats;
	auto events = scanDevices(t.root(), stats);
	CHECK(stats.unreadable == 4);
	CHECK_FALSE(find(events, "/devices/platform/odd"));
	CHECK_FALSE(find(events, "/devices/platform/odd/uevent"));
	CHECK_FALSE(find(events, "/devices/platform/fifo"));
	CHECK_FALSE(find(events, "/devices/platform/linked"));
	const Uevent *dirModalias = find(events, "/devices/platform/dirmodalias");
	REQUIRE(dirModalias);
	CHECK(dirModalias->modalias.empty());
	CHECK(events.size() == 8);
}

TEST_CASE("given a uevent file only root may read, we should skip it when not root", "[coldplug]")
{
	TempTree t;
	writeBasicTree(t);
	t.write("/sys/devices/platform/secret/uevent", "MODALIAS=platform:secret\n");
	t.write("/sys/devices/platform/locked/inner/uevent", "MODALIAS=platform:inner\n");
	REQUIRE(::chmod(t.path("/sys/devices/platform/secret/uevent").c_str(), 0) == 0);
	REQUIRE(::chmod(t.path("/sys/devices/platform/locked").c_str(), 0) == 0);
	REQUIRE(::chmod(t.root().c_str(), 0755) == 0);

	std::vector<std::string> found;
	uint64_t unreadable = 0;
	if (::geteuid() == 0) {
		REQUIRE(scanAsNobody(t.root(), found, unreadable));
	} else {
		ColdplugStats stats;
		found = devpaths(scanDevices(t.root(), stats));
		unreadable = stats.unreadable;
	}
	CHECK(unreadable == 2); // secret/uevent, and the directory locked
	CHECK(std::find(found.begin(), found.end(), "/devices/platform/secret") == found.end());
	CHECK(std::find(found.begin(), found.end(), "/devices/platform/locked/inner") ==
	      found.end());
	CHECK(found.size() == 7);
	::chmod(t.path("/sys/devices/platform/locked").c_str(), 0755); // so the tree can go
}

TEST_CASE("given a MODALIAS no kernel writes, we should keep the device without a modalias",
	  "[coldplug]")
{
	TempTree t;
	t.write("/sys/devices/platform/bad/uevent", "MODALIAS=platform:two words\n");
	t.write("/sys/devices/platform/badfile/modalias", "dmi:[unclosed\n");
	ColdplugStats stats;
	auto events = scanDevices(t.root(), stats);
	REQUIRE(events.size() == 2);
	CHECK(stats.badModalias == 2);
	for (const Uevent &ev : events) {
		INFO(ev.devpath);
		CHECK(ev.modalias.empty());
		CHECK(ev.property("MODALIAS"));
	}
}

TEST_CASE("given a tree deeper than any real device, we should stop at the bound", "[coldplug]")
{
	TempTree t;
	std::string path = "/sys/devices";
	for (int i = 0; i < kMaxSysfsDepth + 10; i++) {
		path += "/d";
		t.write(path + "/uevent", "");
	}
	ColdplugStats stats;
	auto events = scanDevices(t.root(), stats);
	CHECK(events.size() == static_cast<size_t>(kMaxSysfsDepth));
	CHECK(stats.tooDeep == 1);
}

TEST_CASE("given a root without sys/devices, we should find nothing", "[coldplug]")
{
	TempTree t;
	ColdplugStats stats;
	CHECK(scanDevices(t.root(), stats).empty());
	CHECK(scanDevices(t.path("/no/such/root")).empty());
}

TEST_CASE("given a sysfs tree, we should get the same devices from the feed as from one scan",
	  "[coldplug]")
{
	TempTree t;
	writeBasicTree(t);
	auto key = [](const Request &r) { return r.name + " " + r.devpath + " " + r.modalias; };
	std::vector<std::string> expected;
	for (const Uevent &device : scanDevices(t.root()))
		for (const Request &r : requestsForDevice(device))
			expected.push_back(key(r));
	REQUIRE(!expected.empty());

	std::vector<std::string> fed;
	DeviceFeed feed(t.root());
	for (bool walking = true; walking;) {
		walking = !feed.done();
		for (const Uevent &device : feed.take())
			for (const Request &r : requestsForDevice(device))
				fed.push_back(key(r));
		if (walking)
			std::this_thread::yield();
	}
	CHECK(feed.take().empty());
	CHECK(feed.devices() == 7);
	std::sort(expected.begin(), expected.end());
	std::sort(fed.begin(), fed.end());
	CHECK(fed == expected);
}

TEST_CASE("given a root without sys/devices, we should end the feed with nothing", "[coldplug]")
{
	TempTree t;
	DeviceFeed feed(t.root());
	while (!feed.done())
		std::this_thread::yield();
	CHECK(feed.take().empty());
	CHECK(feed.devices() == 0);
}
