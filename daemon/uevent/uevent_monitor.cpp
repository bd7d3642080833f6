// The netlink uevent socket: hotplug events from the kernel (group 1) or udev (group 2, read
// through libudev's monitor).
#include "uevent/uevent_monitor.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fmt/format.h>
#include <linux/netlink.h>
#include <sys/socket.h>

namespace modloadd {

namespace {

constexpr uint32_t kKernelGroup = 1;
constexpr uint32_t kUdevGroup = 2;
// What udevd puts first in every message to its group: the start of libudev's monitor header.
constexpr std::string_view kLibudevPrefix{"libudev\0", 8};
constexpr size_t kPropertiesOffAt = 16; // where the header keeps properties_off

// The bit of SOURCE's group in a netlink address (sockaddr_nl.nl_groups).
uint32_t groupMask(UeventSource source)
{
	return 1u << ((source == UeventSource::Kernel ? kKernelGroup : kUdevGroup) - 1);
}

int setIntOption(int fd, int option, int value)
{
	if (::setsockopt(fd, SOL_SOCKET, option, &value, sizeof(value)) < 0)
		return -errno;
	return 0;
}

// The sender's credentials, when the kernel attached them (SO_PASSCRED).
const ucred *findCredentials(msghdr &msg)
{
	if (msg.msg_flags & MSG_CTRUNC)
		return nullptr;
	for (cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len == CMSG_LEN(sizeof(ucred)))
			return reinterpret_cast<const ucred *>(CMSG_DATA(c));
	return nullptr;
}

Error openFailed(int r, std::string_view step)
{
	return Error{r, fmt::format("cannot open the uevent socket ({}): {}", step, strerror(-r))};
}

// SO_RCVBUF is capped by net.core.rmem_max (a few hundred KiB by default): a coldplug storm
// overflows that. SO_RCVBUFFORCE needs CAP_NET_ADMIN, which the daemon has.
int setReceiveBuffer(int fd, size_t receiveBuffer)
{
	int size = static_cast<int>(std::min<size_t>(receiveBuffer, INT_MAX / 2));
	if (setIntOption(fd, SO_RCVBUFFORCE, size) < 0)
		return setIntOption(fd, SO_RCVBUF, size);
	return 0;
}

// The port the kernel gave a bound socket and the groups (of the first 32) it listens to.
int boundAddress(int fd, sockaddr_nl &addr)
{
	socklen_t len = sizeof(addr);
	if (::getsockname(fd, reinterpret_cast<sockaddr *>(&addr), &len) < 0)
		return -errno;
	return 0;
}

int grantedReceiveBuffer(int fd, size_t &granted)
{
	int size = 0;
	socklen_t len = sizeof(size);
	if (::getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) < 0)
		return -errno;
	granted = static_cast<size_t>(size);
	return 0;
}

// Why libudev returned no device for a datagram it read. Past our checks (sender, "libudev"
// prefix, properties offset), systemd 252's monitor says EAGAIN for a header it refuses (the
// magic) and EINVAL for a length or properties it refuses (under 32 bytes; a property not
// KEY=VALUE; DEVPATH, SUBSYSTEM, ACTION or SEQNUM missing or invalid).
std::string libudevRefusal(int error)
{
	if (error == EAGAIN)
		return "refused by libudev: bad header (magic)";
	if (error == EINVAL)
		return "refused by libudev: bad length or properties";
	return fmt::format("refused by libudev: {}", strerror(error));
}

// A device as libudev decoded it, checked as a kernel message is. The properties come in
// libudev's order (sorted by key: its property list is sorted), with the values as it keeps
// them (a value ends at its first newline, as the cpu's MODALIAS does).
ParsedUevent ueventFromDevice(udev_device *device)
{
	auto text = [](const char *s) { return s ? std::string(s) : std::string(); };
	Uevent ev;
	ev.action = text(udev_device_get_action(device));
	ev.devpath = text(udev_device_get_devpath(device)); // without /sys
	ev.subsystem = text(udev_device_get_subsystem(device));
	ev.devtype = text(udev_device_get_devtype(device));
	ev.seqnum = udev_device_get_seqnum(device);
	for (udev_list_entry *e = udev_device_get_properties_list_entry(device); e;
	     e = udev_list_entry_get_next(e))
		ev.properties.emplace_back(udev_list_entry_get_name(e),
					   text(udev_list_entry_get_value(e)));
	if (const std::string *modalias = ev.property("MODALIAS"))
		ev.modalias = *modalias;
	return checkDecodedUevent(std::move(ev));
}

} // namespace

UeventMonitor::UeventMonitor(int fd, UeventSource source, size_t receiveBuffer, uint32_t portId)
    : fd_(fd), source_(source), receiveBuffer_(receiveBuffer), portId_(portId), buffer_(kMaxMessage)
{
}

// The reason is only put into words when someone listens: a storm of drops costs no formatting.
template <typename Why> void UeventMonitor::reject(UeventRejection kind, Why why)
{
	if (observer_)
		observer_(kind, why());
}

Result<UeventMonitor> UeventMonitor::open(UeventSource source, size_t receiveBuffer)
{
	if (source == UeventSource::Udev)
		return openUdev(receiveBuffer);
	UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			     NETLINK_KOBJECT_UEVENT));
	if (!fd.valid())
		return openFailed(-errno, "socket");
	// Without credentials on every datagram we could not tell the kernel from a forger.
	if (int r = setIntOption(fd.get(), SO_PASSCRED, 1); r < 0)
		return openFailed(r, "SO_PASSCRED");
	if (int r = setReceiveBuffer(fd.get(), receiveBuffer); r < 0)
		return openFailed(r, "SO_RCVBUF");

	sockaddr_nl addr{};
	addr.nl_family = AF_NETLINK;
	addr.nl_groups = kKernelGroup;
	if (::bind(fd.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0)
		return openFailed(-errno, "bind");
	if (int r = boundAddress(fd.get(), addr); r < 0)
		return openFailed(r, "getsockname");
	size_t granted = 0;
	if (int r = grantedReceiveBuffer(fd.get(), granted); r < 0)
		return openFailed(r, "SO_RCVBUF");
	UeventMonitor monitor(fd.get(), source, granted, addr.nl_pid);
	monitor.kernelFd_ = std::move(fd);
	return monitor;
}

Result<UeventMonitor> UeventMonitor::openUdev(size_t receiveBuffer)
{
	Udev udev(udev_new());
	if (!udev)
		return openFailed(-ENOMEM, "udev_new");
	// libudev makes the socket (SOCK_NONBLOCK|SOCK_CLOEXEC); udev_monitor_enable_receiving()
	// sets SO_PASSCRED and binds it to the group.
	UdevMonitor monitor(udev_monitor_new_from_netlink(udev.get(), "udev"));
	if (!monitor)
		return openFailed(errno > 0 ? -errno : -ENOMEM, "udev_monitor_new_from_netlink");
	int fd = udev_monitor_get_fd(monitor.get());
	if (int r = setReceiveBuffer(fd, receiveBuffer); r < 0)
		return openFailed(r, "SO_RCVBUF");
	if (int r = udev_monitor_enable_receiving(monitor.get()); r < 0)
		return openFailed(r, "udev_monitor_enable_receiving");
	sockaddr_nl addr{};
	if (int r = boundAddress(fd, addr); r < 0)
		return openFailed(r, "getsockname");
	// Where /run/udev/control does not exist and /dev is no devtmpfs, libudev takes udev for
	// absent (a container) and binds to no group: the socket would hear nothing, ever. The
	// daemon says so rather than listen to silence.
	if ((addr.nl_groups & groupMask(UeventSource::Udev)) == 0)
		return Error{-ESRCH,
			     "cannot listen to udev's group: udev does not run here "
			     "(no /run/udev/control, and /dev is not devtmpfs), so libudev's "
			     "monitor binds to no group"};
	size_t granted = 0;
	if (int r = grantedReceiveBuffer(fd, granted); r < 0)
		return openFailed(r, "SO_RCVBUF");
	UeventMonitor m(fd, UeventSource::Udev, granted, addr.nl_pid);
	m.udev_ = std::move(udev);
	m.udevMonitor_ = std::move(monitor);
	return m;
}

bool UeventMonitor::drain(const std::function<void(Uevent &&)> &onEvent)
{
	bool lost = false;
	// udev mode peeks: a datagram our checks trust stays queued for libudev to read; one they
	// refuse is skipped here and never reaches it.
	const bool peek = source_ == UeventSource::Udev;
	for (;;) {
		iovec iov{buffer_.data(), buffer_.size()};
		sockaddr_nl sender{};
		alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
		msghdr msg{};
		msg.msg_name = &sender;
		msg.msg_namelen = sizeof(sender);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		// MSG_TRUNC: the real length of an oversized datagram, so it is seen and refused
		// rather than parsed cut short.
		ssize_t n = ::recvmsg(fd_, &msg,
				      MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC |
					      (peek ? MSG_PEEK : 0));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return lost;
			if (errno == ENOBUFS) {
				// The queue was full and the kernel dropped events; the queued
				// ones are still there to read.
				counters_.overflows++;
				lost = true;
				continue;
			}
			counters_.readErrors++;
			return lost;
		}
		counters_.received++;
		size_t size = static_cast<size_t>(n);
		if ((msg.msg_flags & MSG_TRUNC) || size > buffer_.size()) {
			counters_.truncated++;
			reject(UeventRejection::Truncated,
			       [&] { return fmt::format("{} bytes", size); });
			if (peek && !skipPeeked(lost))
				return lost;
			continue;
		}
		const ucred *cred = findCredentials(msg);
		bool addressed =
			msg.msg_namelen == sizeof(sender) && sender.nl_family == AF_NETLINK;
		// The kernel says where a datagram went: the group's bit for one sent to the
		// group, nothing for one sent to our port alone.
		bool toGroup = addressed && sender.nl_groups == groupMask(source_);
		bool fromKernelAddress = addressed && sender.nl_pid == 0;
		// Anyone may send to our port or, with CAP_NET_ADMIN, to the group: only the
		// kernel's address (port 0) is trusted on group 1. udevd has a port of its own and
		// sends to its group, never to one listener: on group 2, root's messages to the
		// group are what count.
		bool trusted = cred && cred->uid == 0 && toGroup &&
			       (source_ == UeventSource::Udev || fromKernelAddress);
		if (!trusted) {
			counters_.spoofed++;
			reject(UeventRejection::Spoofed, [&] {
				std::string to = toGroup ? "" : ", to this socket alone";
				return cred ? fmt::format("sender port {}, uid {}{}", sender.nl_pid,
							  cred->uid, to)
					    : fmt::format("sender port {}, no credentials{}",
							  sender.nl_pid, to);
			});
			if (peek && !skipPeeked(lost))
				return lost;
			continue;
		}
		if (!peek)
			handle(std::string_view(buffer_.data(), size), onEvent);
		else if (!receiveFromUdev(std::string_view(buffer_.data(), size), onEvent, lost))
			return lost;
	}
}

// Drops the datagram just peeked. False when the socket fails (counted as a read error).
bool UeventMonitor::skipPeeked(bool &lost)
{
	for (;;) {
		if (::recv(fd_, nullptr, 0, MSG_DONTWAIT) >= 0)
			return true;
		if (errno == EINTR)
			continue;
		if (errno == ENOBUFS) {
			// An overflow since the peek: reported now, the datagram is still first.
			counters_.overflows++;
			lost = true;
			continue;
		}
		counters_.readErrors++;
		return false;
	}
}

// The datagram peeked, which our checks trust, read and decoded by libudev. Each one counted
// `received` ends as exactly one of accepted, malformed or badModalias, because libudev reads
// exactly this datagram, once:
// - nothing else reads the socket, so the datagram peeked is the one libudev reads next;
// - systemd 252's udev_monitor_receive_device() reads one datagram per call. It goes on to
//   the next one only when a device fails a filter the monitor installed, and we install none;
// - once it has read the datagram, every refusal returns NULL (errno says why). Before the
//   read it can only fail as its own size peek meets an overflow (ENOBUFS), which leaves the
//   datagram queued: it is then counted as an overflow and libudev asked again. (Its other
//   early failures, EAGAIN on an empty queue and a failed allocation for a datagram over
//   2 MiB, cannot happen for a datagram peeked here and at most kMaxMessage bytes long.)
// False when draining must stop.
bool UeventMonitor::receiveFromUdev(std::string_view peeked,
				    const std::function<void(Uevent &&)> &onEvent, bool &lost)
{
	// udevd sends nothing else to its group; libudev would take the kernel's format here
	// too, as a device udev has not processed.
	if (peeked.substr(0, kLibudevPrefix.size()) != kLibudevPrefix) {
		counters_.malformed++;
		reject(UeventRejection::Malformed, [] { return "not in libudev's format"; });
		return skipPeeked(lost);
	}
	// systemd 252 checks the properties offset (host order, after prefix, magic and header
	// size) as `properties_off + 32 > length` in 32-bit arithmetic: an offset near 2^32 wraps,
	// passes, and sends it reading 4 GiB past the datagram (a crash). Refused here, as libudev
	// means to refuse it.
	if (uint32_t off; peeked.size() >= kPropertiesOffAt + sizeof(off)) {
		std::memcpy(&off, peeked.data() + kPropertiesOffAt, sizeof(off));
		if (uint64_t{off} + 32 > peeked.size()) {
			counters_.malformed++;
			reject(UeventRejection::Malformed,
			       [] { return "properties offset beyond the message"; });
			return skipPeeked(lost);
		}
	}
	UdevDevice device;
	int error = 0;
	for (;;) {
		errno = 0;
		device.reset(udev_monitor_receive_device(udevMonitor_.get()));
		error = errno;
		if (device || error != ENOBUFS)
			break;
		counters_.overflows++;
		lost = true;
	}
	if (!device) {
		counters_.malformed++;
		reject(UeventRejection::Malformed, [&] { return libudevRefusal(error); });
		return true;
	}
	take(ueventFromDevice(device.get()), onEvent);
	return true;
}

void UeventMonitor::handle(std::string_view message, const std::function<void(Uevent &&)> &onEvent)
{
	take(parseKernelUevent(message), onEvent);
}

void UeventMonitor::take(ParsedUevent ev, const std::function<void(Uevent &&)> &onEvent)
{
	if (!ev) {
		bool badModalias = ev.error().kind == UeventDrop::BadModalias;
		(badModalias ? counters_.badModalias : counters_.malformed)++;
		reject(badModalias ? UeventRejection::BadModalias : UeventRejection::Malformed,
		       [&] { return ev.error().why; });
		return;
	}
	counters_.accepted++;
	onEvent(std::move(*ev));
}

} // namespace modloadd
