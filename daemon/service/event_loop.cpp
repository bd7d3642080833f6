// sd-event behind owned sources and std::function callbacks.
#include "service/event_loop.h"

#include <cstring>
#include <fmt/format.h>
#include <sys/epoll.h>
#include <utility>

namespace modloadd {

namespace {

// The callback lives on the heap for as long as its source: the source's destroy callback
// frees it. A source released from its own callback is only disconnected then; sd-event frees
// it, and so the callback, once the callback has returned.
template <typename F> void freeHandler(void *handler)
{
	delete static_cast<F *>(handler);
}

int onIo(sd_event_source *, int, uint32_t, void *handler)
{
	(*static_cast<EventLoop::Handler *>(handler))();
	return 0;
}

int onTime(sd_event_source *, uint64_t, void *handler)
{
	(*static_cast<EventLoop::Handler *>(handler))();
	return 0;
}

int onDefer(sd_event_source *, void *handler)
{
	(*static_cast<EventLoop::Handler *>(handler))();
	return 0;
}

int onSignalled(sd_event_source *, const signalfd_siginfo *info, void *handler)
{
	(*static_cast<EventLoop::SignalHandler *>(handler))(*info);
	return 0;
}

// Owns the new source and hands it the callback; on failure frees the callback.
template <typename F>
Result<SdEventSource> adopt(int r, sd_event_source *raw, F *handler, const char *what)
{
	if (r < 0) {
		delete handler;
		return Error{
			r, fmt::format("cannot add {} to the event loop: {}", what, strerror(-r))};
	}
	SdEventSource source(raw);
	r = sd_event_source_set_destroy_callback(raw, freeHandler<F>);
	if (r < 0) {
		delete handler;
		return Error{
			r, fmt::format("cannot add {} to the event loop: {}", what, strerror(-r))};
	}
	return source;
}

} // namespace

Result<EventLoop> EventLoop::open()
{
	sd_event *raw = nullptr;
	int r = sd_event_default(&raw);
	if (r < 0)
		return Error{r, fmt::format("cannot create the event loop: {}", strerror(-r))};
	return EventLoop(SdEvent(raw));
}

Result<SdEventSource> EventLoop::watch(int fd, Handler handler)
{
	auto *h = new Handler(std::move(handler));
	sd_event_source *raw = nullptr;
	int r = sd_event_add_io(event_.get(), &raw, fd, EPOLLIN, onIo, h);
	return adopt(r, raw, h, "a file descriptor");
}

Result<SdEventSource> EventLoop::after(uint64_t usec, Handler handler)
{
	auto *h = new Handler(std::move(handler));
	sd_event_source *raw = nullptr;
	int r = sd_event_add_time_relative(event_.get(), &raw, CLOCK_MONOTONIC, usec, 0, onTime, h);
	return adopt(r, raw, h, "a timer");
}

Result<SdEventSource> EventLoop::defer(Handler handler)
{
	auto *h = new Handler(std::move(handler));
	sd_event_source *raw = nullptr;
	int r = sd_event_add_defer(event_.get(), &raw, onDefer, h);
	return adopt(r, raw, h, "a deferred call");
}

Result<SdEventSource> EventLoop::onSignal(int signal, SignalHandler handler)
{
	sd_event_source *raw = nullptr;
	if (!handler) {
		int r = sd_event_add_signal(event_.get(), &raw, signal, nullptr, nullptr);
		if (r < 0)
			return Error{r, fmt::format("cannot take signal {} in the event loop: {}",
						    signal, strerror(-r))};
		return SdEventSource(raw);
	}
	auto *h = new SignalHandler(std::move(handler));
	int r = sd_event_add_signal(event_.get(), &raw, signal, onSignalled, h);
	return adopt(r, raw, h, "a signal");
}

int EventLoop::enableWatchdog()
{
	return sd_event_set_watchdog(event_.get(), true);
}

int EventLoop::run()
{
	return sd_event_loop(event_.get());
}

void EventLoop::exit()
{
	sd_event_exit(event_.get(), 0);
}

uint64_t EventLoop::now() const
{
	uint64_t usec = 0;
	sd_event_now(event_.get(), CLOCK_MONOTONIC, &usec);
	return usec;
}

} // namespace modloadd
