// Reload triggers, the reload in progress and its record.
#include "service/reload.h"

#include "report/daemon_report.h"
#include "report/notify.h"
#include "rules/rule_file.h"
#include "service/reload_record.h"

#include <fmt/format.h>
#include <unistd.h>
#include <utility>

namespace modloadd {

namespace {

// Changes in the configuration directories come in bursts (an editor writes a temporary file
// and renames it, a package drops several files): one reload this long after the first.
constexpr uint64_t kWatchSettleUsec = 100 * 1000;

} // namespace

std::vector<WatchedKind> configurationKinds()
{
	return {{"modules-load.d", ".conf"},
		{std::string(kRulesSubdir), std::string(kRulesSuffix)}};
}

Reloader::Reloader(EventLoop &loop, Journal &journal, std::string root, Hooks hooks)
    : loop_(loop), journal_(journal), root_(std::move(root)), hooks_(std::move(hooks))
{
}

void Reloader::watch(bool on)
{
	watchSource_.reset();
	settle_.reset();
	changed_.clear();
	watch_.reset();
	if (!on)
		return;
	auto watch = ConfigWatch::open(root_, configurationKinds());
	if (!watch) {
		reportNoWatch(journal_, watch.error());
		return;
	}
	auto source = loop_.watch(watch->fd(), [this] { onWatch(); });
	if (!source) {
		reportNoWatch(journal_, source.error());
		return;
	}
	watch_.emplace(std::move(*watch));
	watchSource_ = std::move(*source);
}

void Reloader::onWatch()
{
	for (std::string &dir : watch_->drain())
		changed_.insert(std::move(dir));
	if (changed_.empty() || settle_)
		return;
	auto timer = loop_.after(kWatchSettleUsec, [this] { onSettled(); });
	if (timer) {
		settle_ = std::move(*timer);
		return;
	}
	// No timer: reload now rather than never; a burst may then cost two reloads.
	reportReloadUnbounded(journal_, timer.error(), "a change is read at once");
	onSettled();
}

void Reloader::onSettled()
{
	settle_.reset();
	std::string dirs;
	for (const std::string &dir : changed_)
		dirs += (dirs.empty() ? "" : ", ") + dir;
	changed_.clear();
	request("a change in " + dirs, 0);
}

void Reloader::request(std::string cause, pid_t sender)
{
	if (held_) {
		heldCauses_.push_back(std::move(cause)); // the watch's: SIGHUP waits for the start
		return;
	}
	if (!pending_) {
		pending_ = Pending{}; // not emplace(): clang 14 sees Pending as incomplete there
		if (hooks_.ready()) {
			// The unit shows "reloading" until READY=1 in finish().
			pending_->announced = true;
			notifyReloading(loop_.now());
		}
		if (boundSec_) {
			auto timer = loop_.after(uint64_t{boundSec_} * 1000000, [this] {
				finish(fmt::format("; still loading after ReadyTimeoutSec= ({})",
						   hooks_.progress()));
			});
			if (timer)
				bound_ = std::move(*timer);
			else
				reportReloadUnbounded(journal_, timer.error(),
						      "the reload ends when its modules settle");
		}
	}
	pending_->causes.push_back(std::move(cause));
	if (sender > 0)
		pending_->senders.push_back(sender);
	read();
}

void Reloader::read()
{
	if (readingNow_) {
		readAgain_ = true;
		return;
	}
	ReadWork work = hooks_.reread();
	if (!work)
		return progressed();
	auto reading =
		OffLoop<Apply>::start(loop_, work, [this](Apply a) { onRead(std::move(a)); });
	if (!reading) {
		// No thread: read on the loop rather than not at all.
		reportReloadUnbounded(journal_, reading.error(),
				      "the configuration is read on the loop");
		return onRead(work());
	}
	readingNow_ = true;
	reading_ = std::move(*reading);
}

void Reloader::onRead(Apply apply)
{
	readingNow_ = false;
	size_t added = apply();
	// The bound may have ended the reload meanwhile: what was new still joined the run.
	if (pending_)
		pending_->added += added;
	if (std::exchange(readAgain_, false))
		return read();
	progressed();
}

void Reloader::resume()
{
	held_ = false;
	for (std::string &cause : std::exchange(heldCauses_, {}))
		request(std::move(cause), 0);
}

void Reloader::progressed()
{
	if (pending_ && !readingNow_ && hooks_.settled())
		finish({});
}

void Reloader::finish(std::string_view note)
{
	Pending done = std::move(*pending_);
	pending_.reset();
	bound_.reset();
	generation_++;
	ReloadRecord record{generation_, getpid(), done.senders};
	if (int r = writeReloadRecord(root_, record); r < 0)
		reportRecordUnwritten(journal_, reloadRecordPath(root_), r);
	reportReloaded(journal_, generation_, done.causes, done.added, !done.senders.empty(), note);
	if (done.announced)
		notifyReady(hooks_.status());
}

} // namespace modloadd
