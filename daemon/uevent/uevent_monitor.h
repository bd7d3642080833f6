// The netlink uevent socket: hotplug events from the kernel (group 1) or udev (group 2, read
// through libudev's monitor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

#include "base/handles.h"
#include "base/result.h"
#include "uevent/uevent.h"

namespace modloadd {

enum class UeventSource { Kernel, Udev }; // netlink group 1 / group 2

struct UeventCounters {
	uint64_t received = 0;	// datagrams read
	uint64_t accepted = 0;	// handed to the caller
	uint64_t malformed = 0; // parse failures (udev mode: refused by libudev, or not its format)
	uint64_t badModalias = 0; // MODALIAS refused by validModalias()
	uint64_t truncated = 0;	  // MSG_TRUNC
	// wrong sender: nl_pid != 0 (kernel group), no or non-root creds, or sent to our port
	// rather than to the group
	uint64_t spoofed = 0;
	uint64_t overflows = 0;	 // ENOBUFS: the kernel dropped messages for us
	uint64_t readErrors = 0; // recvmsg failed otherwise (the socket is left for the next poll)
};

// A datagram refused by drain(), for debug logging.
enum class UeventRejection { Truncated, Spoofed, Malformed, BadModalias };

class UeventMonitor {
public:
	// The largest datagram taken; a kernel uevent is at most 2 KiB of environment plus its
	// header, and udevd's messages stay far below this.
	static constexpr size_t kMaxMessage = 8192;
	// What the daemon asks for: enough for a coldplug storm of tens of thousands of events.
	static constexpr size_t kDefaultReceiveBuffer = 128 * 1024 * 1024;

	// Opens, sets SO_PASSCRED, raises the receive buffer with SO_RCVBUFFORCE (falls back to
	// SO_RCVBUF when not permitted) to `receiveBuffer` bytes, binds to the group.
	// SOCK_NONBLOCK|SOCK_CLOEXEC. For udev's group the socket is libudev's monitor's; it fails
	// (-ESRCH) where libudev would bind to no group because udev does not run here.
	static Result<UeventMonitor> open(UeventSource source, size_t receiveBuffer);

	int fd() const { return fd_; }
	UeventSource source() const { return source_; }
	size_t receiveBuffer() const { return receiveBuffer_; } // granted (getsockopt SO_RCVBUF)
	uint32_t portId() const { return portId_; }		// our netlink address

	// Reads until EAGAIN. Calls onEvent for every accepted uevent. Returns true when ENOBUFS
	// was seen (messages were lost: the caller must rescan sysfs). Every drop is counted.
	bool drain(const std::function<void(Uevent &&)> &onEvent);

	const UeventCounters &counters() const { return counters_; }

	// Called with the class and a short reason of every refused datagram (nullptr: none).
	using RejectionObserver = std::function<void(UeventRejection, std::string_view why)>;
	void setRejectionObserver(RejectionObserver observer) { observer_ = std::move(observer); }

private:
	UeventMonitor(int fd, UeventSource source, size_t receiveBuffer, uint32_t portId);
	static Result<UeventMonitor> openUdev(size_t receiveBuffer);

	void handle(std::string_view message, const std::function<void(Uevent &&)> &onEvent);
	bool skipPeeked(bool &lost);
	bool receiveFromUdev(std::string_view peeked, const std::function<void(Uevent &&)> &onEvent,
			     bool &lost);
	void take(ParsedUevent ev, const std::function<void(Uevent &&)> &onEvent);
	template <typename Why> void reject(UeventRejection kind, Why why);

	// Kernel mode: our socket. udev mode: libudev's monitor and its context (the monitor
	// borrows the context, so it is released first); the socket is the monitor's.
	UniqueFd kernelFd_;
	Udev udev_;
	UdevMonitor udevMonitor_;
	int fd_; // the socket read, owned by one of the above
	UeventSource source_;
	size_t receiveBuffer_;
	uint32_t portId_;
	UeventCounters counters_;
	RejectionObserver observer_;
	std::vector<char> buffer_; // one datagram (udev mode: a copy, peeked); allocated once
};

} // namespace modloadd
