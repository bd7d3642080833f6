// The daemon's sd-event loop: every source owned by whoever registered it, callbacks as
// functions, every registration's result returned to the caller, who decides what a failure
// means.
#pragma once

#include "base/handles.h"
#include "base/result.h"

#include <cstdint>
#include <functional>
#include <sys/signalfd.h>

namespace modloadd {

class EventLoop {
public:
	using Handler = std::function<void()>;
	using SignalHandler = std::function<void(const signalfd_siginfo &)>;

	// The thread's default loop. The caller has blocked the signals it will take in every
	// thread.
	static Result<EventLoop> open();

	// HANDLER runs whenever FD is readable.
	Result<SdEventSource> watch(int fd, Handler handler);
	// HANDLER runs once, USEC microseconds from now (CLOCK_MONOTONIC).
	Result<SdEventSource> after(uint64_t usec, Handler handler);
	// HANDLER runs once, at the next iteration.
	Result<SdEventSource> defer(Handler handler);
	// HANDLER runs for every SIGNAL received; without a handler the signal ends the loop.
	Result<SdEventSource> onSignal(int signal, SignalHandler handler = nullptr);
	// WATCHDOG=1 at half of WatchdogSec= when the unit sets it. 0 or -errno.
	int enableWatchdog();

	// Runs until exit() or a signal without handler. 0, or -errno when the loop failed.
	int run();
	void exit();
	// CLOCK_MONOTONIC as the loop saw it last, in microseconds.
	uint64_t now() const;

private:
	explicit EventLoop(SdEvent event) : event_(std::move(event)) {}

	SdEvent event_;
};

} // namespace modloadd
