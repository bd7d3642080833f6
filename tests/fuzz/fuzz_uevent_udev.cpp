// udev's netlink form, end to end: each input is sent by root to udev's group in a network
// namespace of the target's own and read by the daemon's monitor (the sender checks, libudev's
// decoding, the checks after it). An input whose first byte is odd is udev's properties, sent
// after a header with the right magic and offsets; one whose first byte is even is the whole
// datagram, header included. Oracles: every datagram sent is counted once, in exactly one
// counter; an accepted event has its action, devpath and SEQNUM, and a modalias that
// is empty or valid and one libkmod takes whole; a message without udev's prefix is never
// accepted. Needs root (it makes its namespaces); without it, exits 77.
#include <arpa/inet.h>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <linux/netlink.h>
#include <optional>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/handles.h"
#include "fuzz_support.h"
#include "uevent/uevent_monitor.h"

using namespace modloadd;
using namespace modloadd::fuzz;

namespace {

constexpr uint32_t kUdevGroupMask = 2;
constexpr uint32_t kHeaderSize = 40; // "libudev\0", magic, 3 sizes, 4 filter words

std::optional<UeventMonitor> monitor;
UniqueFd sender;

void fail(const char *step)
{
	std::perror(step);
	std::exit(1);
}

// udev's header before PROPERTIES, as udevd sends it (magic in network order, the rest in host
// order, no filter words).
std::string withHeader(std::string_view properties)
{
	std::string m("libudev\0", 8);
	auto put = [&](uint32_t v) { m.append(reinterpret_cast<const char *>(&v), sizeof(v)); };
	put(htonl(0xfeedcafe));
	put(kHeaderSize);
	put(kHeaderSize);
	put(static_cast<uint32_t>(properties.size()));
	for (int i = 0; i < 4; i++)
		put(0);
	m += properties;
	return m;
}

uint64_t counted(const UeventCounters &c)
{
	return c.accepted + c.malformed + c.badModalias + c.truncated + c.spoofed;
}

} // namespace

// Once, before libFuzzer starts any thread (a mount namespace cannot be made after): a network
// namespace, so that the forgeries reach no listener of the machine, and a mount namespace with
// /run/udev/control on a tmpfs, so that libudev takes udev for running. The process stays in
// both; nothing shows outside it.
extern "C" int LLVMFuzzerInitialize(int *, char ***)
{
	if (geteuid() != 0) {
		std::fprintf(stderr, "SKIP: needs root for its network and mount namespaces\n");
		std::exit(77);
	}
	if (::unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		fail("unshare");
	if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
		fail("making / private");
	if (::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		fail("a tmpfs on /run");
	if (::mkdir("/run/udev", 0755) < 0)
		fail("/run/udev");
	UniqueFd control(::open("/run/udev/control", O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	if (!control.valid())
		fail("/run/udev/control");
	auto opened = UeventMonitor::open(UeventSource::Udev, 4 << 20);
	if (!opened) {
		std::fprintf(stderr, "cannot open the udev monitor: %s\n",
			     opened.error().message.c_str());
		std::exit(1);
	}
	monitor.emplace(std::move(*opened));
	sender = UniqueFd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT));
	if (!sender.valid())
		fail("the sender's socket");
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	std::string_view rest = asText(data + 1, size - 1);
	std::string datagram = data[0] & 1 ? withHeader(rest) : std::string(rest);
	if (datagram.empty())
		return 0; // netlink delivers no empty datagram
	sockaddr_nl to{};
	to.nl_family = AF_NETLINK;
	to.nl_groups = kUdevGroupMask;
	uint64_t before = monitor->counters().received;
	if (::sendto(sender.get(), datagram.data(), datagram.size(), 0,
		     reinterpret_cast<sockaddr *>(&to), sizeof(to)) < 0)
		fail("sending to udev's group");

	std::vector<Uevent> events;
	monitor->drain([&](Uevent &&ev) { events.push_back(std::move(ev)); });
	const UeventCounters &c = monitor->counters();
	expect(c.received == before + 1, "a datagram sent was not read exactly once", datagram);
	expect(counted(c) == c.received, "a datagram read is in no counter or in two", datagram);
	expect(events.size() <= 1, "one datagram gave more than one event", datagram);
	for (const Uevent &ev : events) {
		expect(datagram.starts_with(std::string_view("libudev\0", 8)),
		       "a message without udev's prefix was accepted", datagram);
		// As from the kernel: SUBSYSTEM= may be empty (libudev requires the key only).
		expect(!ev.action.empty() && !ev.devpath.empty() && ev.seqnum != 0,
		       "an event without action, devpath or SEQNUM", datagram);
		if (!ev.modalias.empty()) {
			expect(validModalias(ev.modalias), "a modalias validModalias refuses",
			       ev.modalias);
			expectKmodTakes(ev.modalias, "udev's MODALIAS=");
		}
	}
	return 0;
}
