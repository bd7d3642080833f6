// The metrics textfile for fleets ([Report] MetricsFile=): counts by outcome, uevent counters
// and insert durations in the Prometheus text format (0.0.4) that node_exporter's textfile
// collector reads.
#pragma once

#include "base/outcome.h"
#include "uevent/uevent_monitor.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace modloadd {

// How long inserts took, as a histogram of seconds (Prometheus buckets: each counts the inserts
// at most that long, cumulatively when written).
class InsertDurations {
public:
	static constexpr std::array<double, 12> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
							   0.5,	  1,	2.5,   5,    10,  30};

	void add(double seconds);
	// Inserts in bucket I alone (not cumulative); kBounds.size() is the one past the last
	// bound.
	uint64_t inBucket(size_t i) const { return buckets_[i]; }
	uint64_t count() const { return count_; }
	double sum() const { return sum_; }

private:
	std::array<uint64_t, kBounds.size() + 1> buckets_{};
	uint64_t count_ = 0;
	double sum_ = 0;
};

// What the file says, taken from the run at one moment.
struct MetricsSnapshot {
	std::array<uint64_t, kOutcomeKinds> outcomes{}; // settled modules by OutcomeKind
	InsertDurations durations;
	std::optional<UeventCounters> uevents; // none when the daemon does not listen
	uint64_t rescans = 0;
	uint64_t reloads = 0;
	bool ready = false;   // READY=1 sent
	bool settled = false; // every module asked for so far has settled
	double startTime = 0; // the daemon's start, seconds since the epoch
};

// The snapshot in the text format: HELP and TYPE before each family, every name prefixed
// modloadd_, counters ending _total, the durations a histogram of seconds.
std::string formatMetrics(const MetricsSnapshot &snapshot);

// Replaces PATH with TEXT atomically: a hidden temporary file in the same directory (its name
// does not end in .prom, so the collector never reads it half written), mode 0644, renamed over
// PATH. 0 or -errno.
int writeMetricsFile(const std::string &path, std::string_view text);

} // namespace modloadd
