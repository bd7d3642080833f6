// Work that may take long (reading a large configuration, testing slow conditions) on a thread of
// its own, while the event loop goes on serving the watchdog, the signals and the timers; the
// result is handed to a callback on the loop.
#pragma once

#include "base/handles.h"
#include "base/result.h"
#include "service/event_loop.h"

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

namespace modloadd {

// The thread and the eventfd that wakes the loop, and T, the work's result: one thread at a
// time holds T (the work's, then the loop's), so a T that is not thread-safe (libkmod's
// context) may cross.
template <typename T> class OffLoop {
public:
	using Work = std::function<T()>;
	using Done = std::function<void(T)>;

	// Runs WORK on a new thread; DONE runs on LOOP with its result. WORK must not reach the
	// caller's objects: it may outlive them (below).
	static Result<std::unique_ptr<OffLoop>> start(EventLoop &loop, Work work, Done done);

	// A thread still working is left to finish alone (detached): a blocked read cannot be
	// interrupted, and stopping must not wait for it. Its result is then dropped.
	~OffLoop();
	OffLoop(const OffLoop &) = delete;
	OffLoop &operator=(const OffLoop &) = delete;

private:
	struct Shared {
		UniqueFd wakeup;
		std::mutex lock; // guards result
		std::optional<T> result;
	};

	OffLoop(std::shared_ptr<Shared> shared, Done done)
	    : shared_(std::move(shared)), done_(std::move(done))
	{
	}
	void onWakeup();

	std::shared_ptr<Shared> shared_; // also the thread's: it may outlive this object
	Done done_;
	SdEventSource source_;
	std::thread thread_;
};

// The wakeup eventfd for an OffLoop: >= 0, or -errno.
int makeWakeupFd();
// Wakes the loop watching FD (the thread's last act).
void signalWakeup(int fd);
// Clears FD's count (on the loop).
void drainWakeup(int fd);

template <typename T>
Result<std::unique_ptr<OffLoop<T>>> OffLoop<T>::start(EventLoop &loop, Work work, Done done)
{
	auto shared = std::make_shared<Shared>();
	int fd = makeWakeupFd();
	if (fd < 0)
		return Error{fd, "cannot make an eventfd for work off the event loop"};
	shared->wakeup = UniqueFd(fd);
	std::unique_ptr<OffLoop> self(new OffLoop(shared, std::move(done)));
	auto source = loop.watch(fd, [raw = self.get()] { raw->onWakeup(); });
	if (!source)
		return source.error();
	self->source_ = std::move(*source);
	self->thread_ = std::thread([shared, work = std::move(work)] {
		T result = work();
		std::lock_guard guard(shared->lock);
		shared->result.emplace(std::move(result));
		signalWakeup(shared->wakeup.get());
	});
	return self;
}

template <typename T> OffLoop<T>::~OffLoop()
{
	source_.reset();
	if (!thread_.joinable())
		return;
	std::lock_guard guard(shared_->lock);
	if (shared_->result)
		thread_.join(); // done but not yet taken: its thread is at its end
	else
		thread_.detach();
}

template <typename T> void OffLoop<T>::onWakeup()
{
	drainWakeup(shared_->wakeup.get());
	std::unique_lock guard(shared_->lock);
	if (!shared_->result)
		return;
	std::optional<T> result(std::move(shared_->result));
	shared_->result.reset();
	guard.unlock();
	source_.reset();
	thread_.join();
	// DONE may destroy this object (a new OffLoop in its place): nothing of it is used after.
	Done done = std::move(done_);
	done(std::move(*result));
}

} // namespace modloadd
