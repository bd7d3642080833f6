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
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

// A message as udevd sends it to its group: libudev's monitor header ("libudev\0", the magic
// 0xfeedcafe in network byte order, header size, properties offset and length in host order,
// four filter words) before `properties`.
constexpr uint32_t kUdevMagic = 0xfeedcafe;
constexpr uint32_t kUdevHeaderSize = 40;

std::string udevMessage(std::string_view properties, uint32_t magic = htonl(kUdevMagic),
			uint32_t propertiesOff = kUdevHeaderSize)
{
	std::string m("libudev\0", 8);
	auto put = [&](uint32_t v) { m.append(reinterpret_cast<const char *>(&v), sizeof(v)); };
	put(magic);
	put(kUdevHeaderSize);
	put(propertiesOff);
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

// A mount namespace of the test's own with a fresh tmpfs on /run: libudev's monitor subscribes
// to udev's group only where /run/udev/control exists or /dev is devtmpfs, and looks once, as
// it is made. `udevRuns` creates /run/udev/control; `devtmpfs` false also hides /dev under a
// tmpfs. The process goes back (and to its working directory) at once.
class PrivateRun {
public:
	PrivateRun(bool udevRuns, bool devtmpfs)
	    : home_(::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC)),
	      cwd_(::open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC))
	{
		REQUIRE(home_.valid());
		REQUIRE(cwd_.valid());
		REQUIRE(::unshare(CLONE_NEWNS) == 0);
		// Private, so that nothing mounted here shows in the machine's namespace.
		REQUIRE(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0);
		REQUIRE(::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") == 0);
		if (udevRuns) {
			REQUIRE(::mkdir("/run/udev", 0755) == 0);
			UniqueFd control(
				::open("/run/udev/control", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
			REQUIRE(control.valid());
		}
		if (!devtmpfs)
			REQUIRE(::mount("tmpfs", "/dev", "tmpfs", MS_NOSUID, "mode=0755") == 0);
	}
	~PrivateRun()
	{
		(void)!::setns(home_.get(), CLONE_NEWNS);
		(void)!::fchdir(cwd_.get());
	}

private:
	UniqueFd home_;
	UniqueFd cwd_;
};

// A udev-mode monitor and a sender, made in a network namespace of their own, with udev
// running as far as libudev can tell.
struct UdevGroup {
	std::optional<UeventMonitor> monitor;
	UniqueFd sender;
	std::vector<std::string> rejections; // "kind: why"
};

void openUdevGroup(UdevGroup &g, size_t buffer = 1 << 20)
{
	PrivateNetwork own;
	PrivateRun run(true, false);
	g.monitor.emplace(openMonitor(UeventSource::Udev, buffer));
	g.sender = senderSocket();
	g.monitor->setRejectionObserver([&g](UeventRejection kind, std::string_view why) {
		static const char *names[] = {"truncated", "spoofed", "malformed", "bad modalias"};
		g.rejections.push_back(fmt::format("{}: {}", names[static_cast<int>(kind)], why));
	});
}

constexpr uint32_t kUdevGroupMask = 2;

void sendToGroup(UdevGroup &g, std::string_view message)
{
	REQUIRE(sendNetlink(g.sender.get(), message, 0, kUdevGroupMask) >= 0);
}

uint64_t countedDrops(const UeventCounters &c)
{
	return c.accepted + c.malformed + c.badModalias + c.truncated + c.spoofed;
}

// A device's properties as udevd would send them; `seqnum` tells one message from another.
std::vector<std::string> udevFields(uint64_t seqnum)
{
	std::string devpath = fmt::format("/devices/platform/modloadd-forged-{}", ::getpid());
	return {"ACTION=add", "DEVPATH=" + devpath, "SUBSYSTEM=platform",
		"MODALIAS=platform:modloadd-forged", fmt::format("SEQNUM={}", seqnum)};
}

// `fields` with KEY's field replaced by KEY=VALUE, or removed when `value` is nullopt.
std::vector<std::string> withField(std::vector<std::string> fields, std::string_view key,
				   std::optional<std::string> value)
{
	std::vector<std::string> out;
	for (std::string &f : fields) {
		if (!startsWith(f, std::string(key) + "="))
			out.push_back(std::move(f));
		else if (value)
			out.push_back(std::string(key) + "=" + *value);
	}
	return out;
}

std::string udevGood(uint64_t seqnum)
{
	return udevMessage(kernelMessage(udevFields(seqnum)));
}

} // namespace

TEST_CASE("given a udev monitor, we should take root's libudev messages to the group only",
	  "[monitor][udev]")
{
	UdevGroup g;
	openUdevGroup(g);
	UeventMonitor *m = &*g.monitor;
	std::string props = kernelMessage(udevFields(4242424242));
	// To the group, as udevd sends: root's message in libudev's format is taken.
	sendToGroup(g, udevMessage(props));
	// To the group, but not in libudev's format: the wrong magic, the kernel's format.
	sendToGroup(g, udevMessage(props, kUdevMagic));
	sendToGroup(g, fixtureMessage("platform-add"));
	// The same good message to the monitor's port alone: udevd never does that.
	REQUIRE(sendNetlink(g.sender.get(), udevMessage(props), m->portId(), 0) >= 0);
	// The same message in the name of an unprivileged user. The kernel lets no unprivileged
	// process send on this protocol at all (EPERM), but root may pass credentials of any uid.
	REQUIRE(sendWithCredentials(g.sender.get(), udevMessage(props), m->portId(), 65534) >= 0);

	std::vector<Uevent> events;
	CHECK(pumpUntil(*m, events, [&] { return m->counters().received >= 5; }));
	CHECK(m->counters().received == 5);
	CHECK(m->counters().accepted == 1);
	CHECK(m->counters().malformed == 2); // the wrong magic, the kernel's format
	CHECK(m->counters().spoofed == 2);   // to the port alone; uid 65534
	REQUIRE(events.size() == 1);
	CHECK(events[0].action == "add");
	CHECK(events[0].devpath == fmt::format("/devices/platform/modloadd-forged-{}", ::getpid()));
	CHECK(events[0].subsystem == "platform");
	CHECK(events[0].seqnum == 4242424242);
	CHECK(events[0].modalias == "platform:modloadd-forged");
	REQUIRE(g.rejections.size() == 4);
	CHECK(g.rejections[0] == "malformed: refused by libudev: bad header (magic)");
	CHECK(g.rejections[1] == "malformed: not in libudev's format");
	CHECK(endsWith(g.rejections[2], ", uid 0, to this socket alone"));
	CHECK(endsWith(g.rejections[3], ", uid 65534, to this socket alone"));
}

TEST_CASE("given a udev monitor, we should get libudev's socket with credentials and our buffer",
	  "[monitor][udev]")
{
	UdevGroup g;
	openUdevGroup(g, UeventMonitor::kDefaultReceiveBuffer);
	const UeventMonitor &m = *g.monitor;
	CHECK(m.source() == UeventSource::Udev);
	CHECK(m.portId() != 0);
	CHECK(m.receiveBuffer() >= UeventMonitor::kDefaultReceiveBuffer);
	CHECK((::fcntl(m.fd(), F_GETFL) & O_NONBLOCK) != 0);
	CHECK((::fcntl(m.fd(), F_GETFD) & FD_CLOEXEC) != 0);
	int passcred = 0;
	socklen_t len = sizeof(passcred);
	REQUIRE(::getsockopt(m.fd(), SOL_SOCKET, SO_PASSCRED, &passcred, &len) == 0);
	CHECK(passcred == 1); // set by libudev; our sender check needs it
	sockaddr_nl addr{};
	len = sizeof(addr);
	REQUIRE(::getsockname(m.fd(), reinterpret_cast<sockaddr *>(&addr), &len) == 0);
	CHECK(addr.nl_groups == kUdevGroupMask);
	CHECK(addr.nl_pid == m.portId());
}

TEST_CASE("given no udev running, we should refuse to open a udev monitor that hears nothing",
	  "[monitor][udev]")
{
	PrivateNetwork own;
	PrivateRun run(false, false); // no /run/udev/control, /dev no devtmpfs: libudev gives up
	auto m = UeventMonitor::open(UeventSource::Udev, 1 << 20);
	REQUIRE_FALSE(m);
	CHECK(m.error().code == -ESRCH);
	CHECK(m.error().message.find("/run/udev/control") != std::string::npos);
}

TEST_CASE("given udev messages libudev refuses, we should count each as malformed",
	  "[monitor][udev]")
{
	UdevGroup g;
	openUdevGroup(g);
	const std::vector<std::pair<const char *, std::string>> cases = {
		{"no DEVPATH", udevMessage(kernelMessage(withField(udevFields(1), "DEVPATH", {})))},
		{"no ACTION", udevMessage(kernelMessage(withField(udevFields(2), "ACTION", {})))},
		{"no SUBSYSTEM",
		 udevMessage(kernelMessage(withField(udevFields(3), "SUBSYSTEM", {})))},
		{"no SEQNUM", udevMessage(kernelMessage(withField(udevFields(4), "SEQNUM", {})))},
		{"an ACTION udev does not know",
		 udevMessage(kernelMessage(withField(udevFields(5), "ACTION", "explode")))},
		{"SEQNUM=0", udevMessage(kernelMessage(withField(udevFields(6), "SEQNUM", "0")))},
		{"a field that is not KEY=VALUE",
		 udevMessage(kernelMessage(udevFields(7)) + "JUNK" + std::string(1, '\0'))},
		{"properties_off beyond the message",
		 udevMessage(kernelMessage(udevFields(8)), htonl(kUdevMagic), 100000)},
		// libudev 252 checks the offset in 32 bits: this one wraps, passes, and crashes it.
		{"properties_off wrapping 32 bits",
		 udevMessage(kernelMessage(udevFields(9)), htonl(kUdevMagic), 0xffffffe0)},
		{"the header alone, cut short", udevMessage("").substr(0, 16)},
	};
	for (const auto &[name, message] : cases) {
		INFO(name);
		sendToGroup(g, message);
	}
	UeventMonitor &m = *g.monitor;
	std::vector<Uevent> events;
	CHECK(pumpUntil(m, events, [&] { return m.counters().received >= cases.size(); }));
	CHECK(m.counters().received == cases.size());
	CHECK(m.counters().malformed == cases.size());
	CHECK(m.counters().accepted == 0);
	CHECK(events.empty());
	REQUIRE(g.rejections.size() == cases.size());
	CHECK(g.rejections[0] == "malformed: refused by libudev: bad length or properties");
	CHECK(g.rejections[7] == "malformed: properties offset beyond the message");
	CHECK(g.rejections[8] == "malformed: properties offset beyond the message");
}

TEST_CASE("given udev messages libudev takes, we should check DEVPATH and MODALIAS ourselves",
	  "[monitor][udev]")
{
	UdevGroup g;
	openUdevGroup(g);
	// libudev keeps ".." in a DEVPATH; consumers join it under /sys.
	sendToGroup(g, udevMessage(kernelMessage(
			       withField(udevFields(1), "DEVPATH", "/devices/../../etc"))));
	// MODALIAS values libudev passes on and validModalias() refuses.
	sendToGroup(g,
		    udevMessage(kernelMessage(withField(udevFields(2), "MODALIAS", "dmi:bvn[x"))));
	sendToGroup(g, udevMessage(kernelMessage(withField(udevFields(3), "MODALIAS",
							   "pci:" + std::string(5000, 'a')))));
	sendToGroup(g, udevMessage(kernelMessage(
			       withField(udevFields(4), "MODALIAS", "platform:two words"))));
	UeventMonitor &m = *g.monitor;
	std::vector<Uevent> events;
	CHECK(pumpUntil(m, events, [&] { return m.counters().received >= 4; }));
	CHECK(m.counters().received == 4);
	CHECK(m.counters().malformed == 1);
	CHECK(m.counters().badModalias == 3);
	CHECK(events.empty());
	REQUIRE(g.rejections.size() == 4);
	CHECK(g.rejections[0] == "malformed: bad DEVPATH");
	CHECK(g.rejections[1] == "bad modalias: bad MODALIAS (9 bytes)");
}

TEST_CASE("given a udev datagram over kMaxMessage, we should count it truncated and read on",
	  "[monitor][udev]")
{
	UdevGroup g;
	openUdevGroup(g);
	std::string big = udevMessage(kernelMessage(udevFields(1)) +
				      "PADDING=" + std::string(UeventMonitor::kMaxMessage, 'p') +
				      std::string(1, '\0'));
	REQUIRE(big.size() > UeventMonitor::kMaxMessage);
	sendToGroup(g, big);
	sendToGroup(g, udevGood(2));
	UeventMonitor &m = *g.monitor;
	std::vector<Uevent> events;
	CHECK(pumpUntil(m, events, [&] { return m.counters().received >= 2; }));
	CHECK(m.counters().received == 2);
	CHECK(m.counters().truncated == 1);
	CHECK(m.counters().accepted == 1);
	REQUIRE(events.size() == 1);
	CHECK(events[0].seqnum == 2);
	REQUIRE(g.rejections.size() == 1);
	CHECK(g.rejections[0] == fmt::format("truncated: {} bytes", big.size()));
}

TEST_CASE("given udev messages, we should keep every property in libudev's order",
	  "[monitor][udev]")
{
	UdevGroup g;
	openUdevGroup(g);
	std::string devpath = fmt::format("/devices/platform/modloadd-forged-{}", ::getpid());
	// As udevd sends them: the kernel's, then its own; the cpu's newline as the kernel sends
	// it.
	sendToGroup(g, udevMessage(kernelMessage({
			       "ACTION=change",
			       "DEVPATH=" + devpath,
			       "SUBSYSTEM=platform",
			       "MODALIAS=platform:modloadd-forged\n",
			       "SEQNUM=77",
			       "ID_PATH=platform-forged",
			       "DEVTYPE=gadget",
			       "USEC_INITIALIZED=123",
			       "A_FIRST=1",
		       })));
	// 1,000 variables, as big a message as fits: every one kept.
	std::vector<std::string> many = udevFields(78);
	for (int i = 0; i < 1000; i++)
		many.push_back(fmt::format("V{:03x}=x", i));
	std::string manyMessage = udevMessage(kernelMessage(many));
	REQUIRE(manyMessage.size() <= UeventMonitor::kMaxMessage);
	sendToGroup(g, manyMessage);

	// A key twice: libudev keeps the last.
	std::vector<std::string> twice = udevFields(79);
	twice.push_back("ACTION=remove");
	sendToGroup(g, udevMessage(kernelMessage(twice)));

	UeventMonitor &m = *g.monitor;
	std::vector<Uevent> events;
	CHECK(pumpUntil(m, events, [&] { return m.counters().received >= 3; }));
	REQUIRE(events.size() == 3);
	CHECK(events[2].action == "remove");
	CHECK(*events[2].property("ACTION") == "remove");
	const Uevent &ev = events[0];
	CHECK(ev.action == "change");
	CHECK(ev.devpath == devpath);
	CHECK(ev.subsystem == "platform");
	CHECK(ev.devtype == "gadget");
	CHECK(ev.seqnum == 77);
	CHECK(ev.modalias == "platform:modloadd-forged");
	// libudev's list is sorted by key; a value ends at its first newline.
	using Properties = std::vector<std::pair<std::string, std::string>>;
	CHECK(ev.properties == Properties{
				       {"ACTION", "change"},
				       {"A_FIRST", "1"},
				       {"DEVPATH", devpath},
				       {"DEVTYPE", "gadget"},
				       {"ID_PATH", "platform-forged"},
				       {"MODALIAS", "platform:modloadd-forged"},
				       {"SEQNUM", "77"},
				       {"SUBSYSTEM", "platform"},
				       {"USEC_INITIALIZED", "123"},
			       });
	CHECK(events[1].properties.size() == 1005);
	REQUIRE(events[1].property("V3e7"));
	CHECK(*events[1].property("V3e7") == "x");
	CHECK(events[1].modalias == "platform:modloadd-forged");
}

TEST_CASE("given hostile udev datagrams before good ones, we should deliver every good one and "
	  "count each datagram once",
	  "[monitor][udev]")
{
	UdevGroup g;
	openUdevGroup(g);
	UeventMonitor &m = *g.monitor;
	uint64_t seqnum = 1000;
	auto fields = [&] { return udevFields(seqnum++); };
	std::vector<std::string> hostile = {
		udevMessage(kernelMessage(fields()), kUdevMagic),		     // magic
		fixtureMessage("platform-add"),					     // kernel's
		std::string(1, '\0'),						     // one byte
		udevMessage("").substr(0, 20),					     // short
		udevMessage(kernelMessage(withField(fields(), "DEVPATH", {}))),	     // no DEVPATH
		udevMessage(kernelMessage(withField(fields(), "ACTION", {}))),	     // no ACTION
		udevMessage(kernelMessage(fields()), htonl(kUdevMagic), 0xffffffff), // offset
		udevMessage(kernelMessage(withField(fields(), "MODALIAS", "a b"))),  // modalias
		udevMessage(std::string(UeventMonitor::kMaxMessage, 'x')),	     // too big
		udevMessage(kernelMessage(withField(fields(), "DEVPATH", "/devices/.."))), // path
	};
	const uint64_t spoofedCount = 2; // sent after these: to the port alone, uid 65534

	SECTION("all the hostile ones, then one good one")
	{
		for (const std::string &h : hostile)
			sendToGroup(g, h);
		REQUIRE(sendNetlink(g.sender.get(), udevGood(1), m.portId(), 0) >= 0);
		REQUIRE(sendWithCredentials(g.sender.get(), udevGood(2), m.portId(), 65534) >= 0);
		sendToGroup(g, udevGood(3));
		std::vector<Uevent> events;
		CHECK(pumpUntil(m, events, [&] { return !events.empty(); }));
		REQUIRE(events.size() == 1);
		CHECK(events[0].seqnum == 3);
		const uint64_t sent = hostile.size() + spoofedCount + 1;
		CHECK(m.counters().received == sent);
		CHECK(m.counters().accepted == 1);
		CHECK(m.counters().spoofed == spoofedCount);
		CHECK(m.counters().truncated == 1);
		CHECK(m.counters().badModalias == 1);
		CHECK(m.counters().malformed == hostile.size() - 2);
		CHECK(countedDrops(m.counters()) == m.counters().received);
		CHECK(g.rejections.size() == sent - 1);
	}
	SECTION("each hostile one followed by a good one")
	{
		std::vector<uint64_t> goods;
		for (const std::string &h : hostile) {
			sendToGroup(g, h);
			goods.push_back(seqnum);
			sendToGroup(g, udevGood(seqnum++));
		}
		std::vector<Uevent> events;
		CHECK(pumpUntil(m, events, [&] { return events.size() >= goods.size(); }));
		std::vector<uint64_t> got;
		for (const Uevent &ev : events)
			got.push_back(ev.seqnum);
		CHECK(got == goods); // none consumed along with a hostile one
		CHECK(m.counters().received == 2 * hostile.size());
		CHECK(m.counters().accepted == hostile.size());
		CHECK(countedDrops(m.counters()) == m.counters().received);
	}
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
