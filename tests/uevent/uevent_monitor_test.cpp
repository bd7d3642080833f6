// Tests for UeventMonitor with real netlink sockets and the running kernel's uevents.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <linux/netlink.h>
#include <optional>
#include <poll.h>
#include <sched.h>
#include <set>
#include <sys/socket.h>
#include <unistd.h>

#include "base/handles.h"
#include "base/strings.h"
#include "uevent/coldplug.h"
#include "uevent/uevent_monitor.h"
#include "uevent_test_support.h"

using namespace modloadd;
using namespace modloadd::testing;
using namespace std::chrono_literals;

namespace {

constexpr auto kBound = 10s; // generous: the VM is shared, and nothing waits longer than needed

UeventMonitor openMonitor(UeventSource source, size_t buffer)
{
	auto m = UeventMonitor::open(source, buffer);
	INFO((m ? "" : m.error().message));
	REQUIRE(m);
	return std::move(*m);
}

// Polls and drains until `done` holds or the bound passes; every accepted event lands in
// `events`. True when `done` held.
template <typename Done>
bool pumpUntil(UeventMonitor &m, std::vector<Uevent> &events, Done done, bool *lost = nullptr)
{
	auto deadline = std::chrono::steady_clock::now() + kBound;
	for (;;) {
		bool overflowed = m.drain([&](Uevent &&ev) { events.push_back(std::move(ev)); });
		if (lost)
			*lost = *lost || overflowed;
		if (done())
			return true;
		auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
			deadline - std::chrono::steady_clock::now());
		if (left <= 0ms)
			return false;
		pollfd p{m.fd(), POLLIN, 0};
		::poll(&p, 1, static_cast<int>(left.count()));
	}
}

std::string kernelMessage(const std::vector<std::string> &fields)
{
	std::string m;
	for (const std::string &f : fields)
		m += f + std::string(1, '\0');
	return m;
}

// What a forger would send: well-formed, for a device that does not exist.
std::string forgedMessage()
{
	std::string devpath = fmt::format("/devices/platform/modloadd-forged-{}", ::getpid());
	return kernelMessage({"add@" + devpath, "ACTION=add", "DEVPATH=" + devpath,
			      "SUBSYSTEM=platform", "MODALIAS=platform:modloadd-forged",
			      "SEQNUM=4242424242"});
}

bool isForged(const Uevent &ev)
{
	return ev.seqnum == 4242424242 || ev.seqnum == 820 /* the copied capture */ ||
	       ev.devpath.find("modloadd-forged") != std::string::npos;
}

UniqueFd senderSocket()
{
	UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT));
	REQUIRE(fd.valid());
	return fd;
}

ssize_t sendNetlink(int fd, std::string_view message, uint32_t port, uint32_t groups)
{
	sockaddr_nl to{};
	to.nl_family = AF_NETLINK;
	to.nl_pid = port;
	to.nl_groups = groups;
	return ::sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr *>(&to),
			sizeof(to));
}

// sendNetlink() with SCM_CREDENTIALS naming `uid` instead of the sender's own.
ssize_t sendWithCredentials(int fd, std::string_view message, uint32_t port, uid_t uid)
{
	sockaddr_nl to{};
	to.nl_family = AF_NETLINK;
	to.nl_pid = port;
	iovec iov{const_cast<char *>(message.data()), message.size()};
	alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))] = {};
	msghdr msg{};
	msg.msg_name = &to;
	msg.msg_namelen = sizeof(to);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control;
	msg.msg_controllen = sizeof(control);
	cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(ucred));
	ucred cred{::getpid(), uid, uid};
	std::memcpy(CMSG_DATA(c), &cred, sizeof(cred));
	return ::sendmsg(fd, &msg, 0);
}

// libudev's header in front of `properties`.
std::string udevMessage(std::string_view properties, uint32_t magic = htonl(kUdevMagic))
{
	std::string m(kUdevPrefix);
	auto put = [&](uint32_t v) { m.append(reinterpret_cast<const char *>(&v), sizeof(v)); };
	put(magic);
	put(kUdevHeaderSize);
	put(kUdevHeaderSize);
	put(static_cast<uint32_t>(properties.size()));
	for (int i = 0; i < 4; i++)
		put(0);
	m += properties;
	return m;
}

bool writeUevent(const std::string &devpath, std::string_view text)
{
	UniqueFd fd(::open(("/sys" + devpath + "/uevent").c_str(), O_WRONLY | O_CLOEXEC));
	return fd.valid() &&
	       ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

uint64_t kernelSeqnum()
{
	auto text = readWholeFile("/sys/kernel/uevent_seqnum");
	REQUIRE(text);
	return std::stoull(*text);
}

// A fresh UUID for the kernel to echo as SYNTH_UUID, so our event is told from any other.
std::string freshUuid()
{
	static uint64_t counter = 0;
	auto now =
		static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
	return fmt::format("{:08x}-{:04x}-4000-8000-{:012x}", static_cast<uint32_t>(::getpid()),
			   ++counter & 0xffff, now & 0xffffffffffff);
}

const Uevent *withUuid(const std::vector<Uevent> &events, const std::string &uuid)
{
	for (const Uevent &ev : events)
		if (const std::string *u = ev.property("SYNTH_UUID"); u && *u == uuid)
			return &ev;
	return nullptr;
}

// Devices whose "change" events nobody on a host acts upon: disks and network interfaces are
// left alone, as they are what udevd would re-probe.
std::vector<std::string> floodableDevices(size_t max)
{
	std::vector<std::string> out;
	for (const Uevent &ev : scanDevices("/")) {
		if (ev.subsystem.empty() || ev.subsystem == "block" || ev.subsystem == "net")
			continue;
		if (::access(("/sys" + ev.devpath + "/uevent").c_str(), W_OK) != 0)
			continue;
		out.push_back(ev.devpath);
		if (out.size() == max)
			break;
	}
	return out;
}

} // namespace

TEST_CASE("given a kernel monitor, we should get a non-blocking socket and the buffer asked for",
	  "[monitor]")
{
	auto m = openMonitor(UeventSource::Kernel, UeventMonitor::kDefaultReceiveBuffer);
	CHECK(m.source() == UeventSource::Kernel);
	CHECK(m.portId() != 0);
	// Root may exceed rmem_max; the kernel doubles what it is given for its bookkeeping.
	CHECK(m.receiveBuffer() >= UeventMonitor::kDefaultReceiveBuffer);
	int flags = ::fcntl(m.fd(), F_GETFL);
	CHECK((flags & O_NONBLOCK) != 0);
	CHECK((::fcntl(m.fd(), F_GETFD) & FD_CLOEXEC) != 0);
	// Nothing queued: drain returns at once with nothing lost.
	std::vector<Uevent> events;
	m.drain([&](Uevent &&ev) { events.push_back(std::move(ev)); });
	CHECK(m.counters().overflows == 0);
}

TEST_CASE("given uevents multicast to group 1 from user space, we should count them as spoofed",
	  "[monitor]")
{
	auto m = openMonitor(UeventSource::Kernel, 1 << 20);
	std::vector<std::string> whys;
	m.setRejectionObserver([&](UeventRejection kind, std::string_view why) {
		if (kind == UeventRejection::Spoofed)
			whys.emplace_back(why);
	});
	UniqueFd sender = senderSocket();
	// A message for a device that does not exist, and a byte-exact copy of a real one.
	REQUIRE(sendNetlink(sender.get(), forgedMessage(), 0, 1) >= 0);
	REQUIRE(sendNetlink(sender.get(), fixtureMessage("platform-add"), 0, 1) >= 0);

	std::vector<Uevent> events;
	CHECK(pumpUntil(m, events, [&] { return m.counters().spoofed >= 2; }));
	CHECK(m.counters().spoofed == 2);
	for (const Uevent &ev : events)
		CHECK_FALSE(isForged(ev));
	REQUIRE(whys.size() == 2);
	CHECK(startsWith(whys[0], "sender port "));
}

TEST_CASE("given uevents sent to the monitor's own port, we should count them as spoofed",
	  "[monitor]")
{
	auto m = openMonitor(UeventSource::Kernel, 1 << 20);
	UniqueFd sender = senderSocket();
	REQUIRE(sendNetlink(sender.get(), forgedMessage(), m.portId(), 0) >= 0);
	REQUIRE(sendNetlink(sender.get(), fixtureMessage("cpu-add"), m.portId(), 0) >= 0);
	REQUIRE(sendNetlink(sender.get(), "garbage", m.portId(), 0) >= 0);

	std::vector<Uevent> events;
	CHECK(pumpUntil(m, events, [&] { return m.counters().spoofed >= 3; }));
	CHECK(m.counters().spoofed == 3);
	CHECK(m.counters().malformed == 0); // refused for the sender, before any parsing
	for (const Uevent &ev : events) {
		CHECK_FALSE(isForged(ev));
		CHECK(ev.seqnum != 821); // the copied cpu capture
	}
}

namespace {

// A network namespace of the test's own, for senders to udev's group: a multicast there reaches
// only the sockets made in it, never the machine's own udev listeners (PID 1 among them).
// Sockets stay in the namespace they were made in; the process goes back at once.
class PrivateNetwork {
public:
	PrivateNetwork() : home_(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC))
	{
		REQUIRE(home_.valid());
		REQUIRE(::unshare(CLONE_NEWNET) == 0); // root, as the tests run
	}
	~PrivateNetwork() { (void)!::setns(home_.get(), CLONE_NEWNET); }

private:
	UniqueFd home_;
};

} // namespace

TEST_CASE("given a udev monitor, we should take root's libudev messages to the group only",
	  "[monitor]")
{
	std::optional<UeventMonitor> m;
	UniqueFd sender;
	{
		PrivateNetwork own;
		m.emplace(openMonitor(UeventSource::Udev, 1 << 20));
		sender = senderSocket();
	}
	std::string props = forgedMessage();
	props = props.substr(props.find('\0') + 1);
	constexpr uint32_t kUdevGroupMask = 2;
	// To the group, as udevd sends: root's message in libudev's format is taken.
	REQUIRE(sendNetlink(sender.get(), udevMessage(props), 0, kUdevGroupMask) >= 0);
	// To the group, but not in libudev's format: the wrong magic, the kernel's format.
	REQUIRE(sendNetlink(sender.get(), udevMessage(props, kUdevMagic), 0, kUdevGroupMask) >= 0);
	REQUIRE(sendNetlink(sender.get(), fixtureMessage("platform-add"), 0, kUdevGroupMask) >= 0);
	// The same good message to the monitor's port alone: udevd never does that.
	REQUIRE(sendNetlink(sender.get(), udevMessage(props), m->portId(), 0) >= 0);
	// The same message in the name of an unprivileged user. The kernel lets no unprivileged
	// process send on this protocol at all (EPERM), but root may pass credentials of any uid.
	REQUIRE(sendWithCredentials(sender.get(), udevMessage(props), m->portId(), 65534) >= 0);

	std::vector<Uevent> events;
	CHECK(pumpUntil(*m, events, [&] { return m->counters().received >= 5; }));
	CHECK(m->counters().received == 5);
	CHECK(m->counters().accepted == 1);
	CHECK(m->counters().malformed == 2); // the wrong magic, the kernel's format
	CHECK(m->counters().spoofed == 2);   // to the port alone; uid 65534
	REQUIRE(events.size() == 1);
	CHECK(events[0].devpath == fmt::format("/devices/platform/modloadd-forged-{}", ::getpid()));
	CHECK(events[0].modalias == "platform:modloadd-forged");
}

TEST_CASE("given 'add' written to a device's uevent file, we should receive the kernel's event",
	  "[monitor]")
{
	// cpu0: no driver reacts to a synthetic add of a CPU, and every x86 machine has one.
	const std::string devpath = "/devices/system/cpu/cpu0";
	auto ueventFile = readWholeFile("/sys" + devpath + "/uevent");
	REQUIRE(ueventFile);
	Uevent expected = ueventFromSysfs(devpath, "cpu", *ueventFile);

	auto m = openMonitor(UeventSource::Kernel, UeventMonitor::kDefaultReceiveBuffer);
	uint64_t before = kernelSeqnum();
	std::string uuid = freshUuid();
	REQUIRE(writeUevent(devpath, "add " + uuid));

	std::vector<Uevent> events;
	REQUIRE(pumpUntil(m, events, [&] { return withUuid(events, uuid) != nullptr; }));
	const Uevent &ev = *withUuid(events, uuid);
	CHECK(ev.action == "add");
	CHECK(ev.devpath == devpath);
	CHECK(ev.subsystem == "cpu");
	CHECK(ev.seqnum > before);
	CHECK(ev.seqnum <= kernelSeqnum());
	CHECK(ev.modalias == expected.modalias);
	CHECK(m.counters().accepted >= 1);
	CHECK(m.counters().spoofed == 0);
	CHECK(m.counters().malformed == 0);
	CHECK(m.counters().badModalias == 0);

	// And a "change" of a platform device, with its own modalias.
	for (const Uevent &dev : scanDevices("/")) {
		if (dev.subsystem != "platform" || dev.modalias.empty())
			continue;
		std::string changeUuid = freshUuid();
		REQUIRE(writeUevent(dev.devpath, "change " + changeUuid));
		REQUIRE(pumpUntil(m, events, [&] { return withUuid(events, changeUuid); }));
		const Uevent &change = *withUuid(events, changeUuid);
		CHECK(change.action == "change");
		CHECK(change.devpath == dev.devpath);
		CHECK(change.modalias == dev.modalias);
		break;
	}
}

TEST_CASE("given a small buffer flooded without draining, we should report the loss and find "
	  "every device by a rescan",
	  "[monitor]")
{
	// SO_RCVBUFFORCE sets what is asked even below rmem_default; the kernel doubles it.
	auto m = openMonitor(UeventSource::Kernel, 4096);
	INFO("granted " << m.receiveBuffer());
	REQUIRE(m.receiveBuffer() <= 16 * 1024);

	auto devices = floodableDevices(64);
	REQUIRE(devices.size() >= 4);
	std::set<std::string> written;
	size_t writes = 0;
	for (size_t i = 0; i < 3000; i++) {
		const std::string &devpath = devices[i % devices.size()];
		if (writeUevent(devpath, "change")) {
			written.insert(devpath);
			writes++;
		}
	}
	REQUIRE(writes >= 2000);

	std::vector<Uevent> events;
	bool lost = m.drain([&](Uevent &&ev) { events.push_back(std::move(ev)); });
	CHECK(lost);
	CHECK(m.counters().overflows >= 1);
	CHECK(m.counters().accepted < writes);
	CHECK(m.counters().malformed == 0);
	CHECK(m.counters().spoofed == 0);

	// What the daemon does on loss: rescan. Every device written to is there.
	std::set<std::string> scanned;
	for (const Uevent &ev : scanDevices("/"))
		scanned.insert(ev.devpath);
	for (const std::string &devpath : written) {
		INFO(devpath);
		CHECK(scanned.count(devpath));
	}

	// And the socket works on after the overflow.
	std::string uuid = freshUuid();
	REQUIRE(writeUevent(devices[0], "change " + uuid));
	CHECK(pumpUntil(m, events, [&] { return withUuid(events, uuid) != nullptr; }));
}

int main(int argc, char **argv)
{
	skipUnless(::geteuid() == 0,
		   "needs root: writes sysfs uevent files and sends to the uevent netlink group");
	UniqueFd probe(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT));
	skipUnless(probe.valid(), "no NETLINK_KOBJECT_UEVENT socket in this kernel or namespace");
	skipUnless(::access("/sys/devices/system/cpu/cpu0/uevent", W_OK) == 0,
		   "/sys/devices/system/cpu/cpu0/uevent is not writable (sysfs read-only?)");
	return Catch::Session().run(argc, argv);
}
