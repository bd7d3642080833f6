// The netlink uevent socket: hotplug events from the kernel (group 1) or udev (group 2).
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
	uint64_t received = 0;	  // datagrams read
	uint64_t accepted = 0;	  // handed to the caller
	uint64_t malformed = 0;	  // parse failures
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
	// The largest datagram read; a kernel uevent is at most 2 KiB of environment plus its
	// header, and libudev's own monitor sends no more than this.
	static constexpr size_t kMaxMessage = 8192;
	// What the daemon asks for: enough for a coldplug storm of tens of thousands of events.
	static constexpr size_t kDefaultReceiveBuffer = 128 * 1024 * 1024;

	// Opens, sets SO_PASSCRED, raises the receive buffer with SO_RCVBUFFORCE (falls back to
	// SO_RCVBUF when not permitted) to `receiveBuffer` bytes, binds to the group.
	// SOCK_NONBLOCK|SOCK_CLOEXEC.
	static Result<UeventMonitor> open(UeventSource source, size_t receiveBuffer);

	int fd() const { return fd_.get(); }
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
	UeventMonitor(UniqueFd fd, UeventSource source, size_t receiveBuffer, uint32_t portId);

	void handle(std::string_view message, const std::function<void(Uevent &&)> &onEvent);
	template <typename Why> void reject(UeventRejection kind, Why why);

	UniqueFd fd_;
	UeventSource source_;
	size_t receiveBuffer_;
	uint32_t portId_;
	UeventCounters counters_;
	RejectionObserver observer_;
	std::vector<char> buffer_; // one datagram; allocated once
};

} // namespace modloadd
