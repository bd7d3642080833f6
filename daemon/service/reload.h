// Reloads: what sets one off (SIGHUP, a change in a watched configuration directory), the reload
// in progress (RELOADING=1 ... READY=1), and its end (the journal entry, the record that
// `modloadctl reload` waits for). What a reload reads again is the daemon's: REREAD below.
#pragma once

#include "base/journal.h"
#include "config/config_watch.h"
#include "service/event_loop.h"
#include "service/off_loop.h"

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

namespace modloadd {

// The drop-ins a reload reads again when they change: modules-load.d and the rules.
std::vector<WatchedKind> configurationKinds();

// Main thread only.
class Reloader {
public:
	// A reload reads in two halves. The first runs off the loop, so that the watchdog is served
	// while thousands of files are read; it captures values only (a stop leaves it behind). It
	// returns the second, which runs on the loop, submits what is new and returns how many
	// modules were new to the run.
	using Apply = std::function<size_t()>;
	using ReadWork = std::function<Apply()>;

	struct Hooks {
		// The first half of a reload, made on the loop; an empty one when there is nothing
		// to read.
		std::function<ReadWork()> reread;
		// Whether every module submitted so far has settled.
		std::function<bool()> settled;
		// Whether the daemon has said READY=1 (a reload before that is not announced).
		std::function<bool()> ready;
		// STATUS= once the reload is over, and the progress when its bound runs out.
		std::function<std::string()> status;
		std::function<std::string()> progress;
	};

	Reloader(EventLoop &loop, Journal &journal, std::string root, Hooks hooks);
	Reloader(const Reloader &) = delete;
	Reloader &operator=(const Reloader &) = delete;

	// Follows the configuration directories (or stops following them). A change reloads 100 ms
	// after the first event of its burst. A failure is journaled: new files then take effect
	// on `systemctl reload`.
	void watch(bool on);
	// How long a reload may wait for its modules before it ends anyway (0: no bound); from the
	// next reload on.
	void setBound(unsigned seconds) { boundSec_ = seconds; }

	// A reload for CAUSE: reads the configuration at once. One that arrives while another is
	// pending joins it. SENDER is the PID of a SIGHUP's sender, 0 for none.
	void request(std::string cause, pid_t sender);
	// Modules the pending reload added later than its second half: those of its rules,
	// tested off the loop.
	void joined(size_t added)
	{
		if (pending_)
			pending_->added += added;
	}
	// Ends the pending reload once every module it added has settled; call after progress.
	void progressed();
	// While the start reads the configuration (off the loop), a change the watch sees is only
	// noted: there is no run to add to yet. resume() reloads for what was noted, so that a file
	// written meanwhile is read by the start or by that reload.
	void hold() { held_ = true; }
	void resume();
	// Reloads finished so far (the reload record's generation).
	uint64_t generation() const { return generation_; }
	// A reload has begun and not finished.
	bool reloading() const { return pending_.has_value(); }

private:
	void read();
	void onRead(Apply apply);
	void finish(std::string_view note);
	void onWatch();
	void onSettled();

	// One reload from its first trigger until the modules it added have settled (or the bound
	// ran out); triggers meanwhile read the configuration again into the same one.
	struct Pending {
		std::vector<std::string> causes;
		std::vector<pid_t> senders; // of SIGHUP, for `modloadctl reload`
		size_t added = 0;	    // modules new to the run
		bool announced = false;	    // RELOADING=1 was sent (the daemon was ready)
	};

	EventLoop &loop_;
	Journal &journal_;
	std::string root_;
	Hooks hooks_;
	unsigned boundSec_ = 0;
	std::optional<Pending> pending_;
	uint64_t generation_ = 0;
	SdEventSource bound_;
	std::optional<ConfigWatch> watch_;
	SdEventSource watchSource_;
	SdEventSource settle_;
	std::set<std::string> changed_; // directories changed since the burst began
	std::unique_ptr<OffLoop<Apply>> reading_;
	bool readingNow_ = false; // a read is under way off the loop
	bool readAgain_ = false;  // a trigger came during it: it may have missed the change
	bool held_ = false;
	std::vector<std::string> heldCauses_;
};

} // namespace modloadd
