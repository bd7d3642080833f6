// The netlink uevent socket: hotplug events from the kernel (group 1) or udev (group 2).
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

} // namespace

UeventMonitor::UeventMonitor(UniqueFd fd, UeventSource source, size_t receiveBuffer,
			     uint32_t portId)
    : fd_(std::move(fd)), source_(source), receiveBuffer_(receiveBuffer), portId_(portId),
      buffer_(kMaxMessage)
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
	auto failed = [](int r, std::string_view step) {
		return Error{r, fmt::format("cannot open the uevent socket ({}): {}", step,
					    strerror(-r))};
	};
	UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
			     NETLINK_KOBJECT_UEVENT));
	if (!fd.valid())
		return failed(-errno, "socket");
	// Without credentials on every datagram we could not tell the kernel from a forger.
	if (int r = setIntOption(fd.get(), SO_PASSCRED, 1); r < 0)
		return failed(r, "SO_PASSCRED");
	// SO_RCVBUF is capped by net.core.rmem_max (a few hundred KiB by default): a coldplug
	// storm overflows that. SO_RCVBUFFORCE needs CAP_NET_ADMIN, which the daemon has.
	int size = static_cast<int>(std::min<size_t>(receiveBuffer, INT_MAX / 2));
	if (setIntOption(fd.get(), SO_RCVBUFFORCE, size) < 0)
		if (int r = setIntOption(fd.get(), SO_RCVBUF, size); r < 0)
			return failed(r, "SO_RCVBUF");

	sockaddr_nl addr{};
	addr.nl_family = AF_NETLINK;
	addr.nl_groups = source == UeventSource::Kernel ? kKernelGroup : kUdevGroup;
	if (::bind(fd.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) < 0)
		return failed(-errno, "bind");
	socklen_t len = sizeof(addr);
	if (::getsockname(fd.get(), reinterpret_cast<sockaddr *>(&addr), &len) < 0)
		return failed(-errno, "getsockname");
	int granted = 0;
	len = sizeof(granted);
	if (::getsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &granted, &len) < 0)
		return failed(-errno, "SO_RCVBUF");
	return UeventMonitor(std::move(fd), source, static_cast<size_t>(granted), addr.nl_pid);
}

bool UeventMonitor::drain(const std::function<void(Uevent &&)> &onEvent)
{
	bool lost = false;
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
		ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
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
			continue;
		}
		handle(std::string_view(buffer_.data(), size), onEvent);
	}
}

void UeventMonitor::handle(std::string_view message, const std::function<void(Uevent &&)> &onEvent)
{
	auto ev = source_ == UeventSource::Kernel ? parseKernelUevent(message)
						  : parseUdevUevent(message);
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
