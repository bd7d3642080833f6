// [Report] MetricsFile=: the Prometheus textfile, kept up to date while the daemon runs.
#pragma once

#include "base/handles.h"
#include "base/journal.h"
#include "report/metrics.h"
#include "service/event_loop.h"

#include <cstdint>
#include <functional>
#include <string>

namespace modloadd {

// Main thread only. Writes the file (report/metrics.h, atomically replaced) when told that
// the run changed (it settled: after the start, after hotplugged modules, at a reload's end),
// at most once every kMinIntervalUsec (a change meanwhile is written when the interval is
// over), and at destruction, the daemon's stop.
class MetricsWriter {
public:
	static constexpr uint64_t kMinIntervalUsec = 5'000'000;
	using Snapshot = std::function<MetricsSnapshot()>;

	MetricsWriter(EventLoop &loop, Journal &journal, std::string path, Snapshot snapshot);
	~MetricsWriter();
	MetricsWriter(const MetricsWriter &) = delete;
	MetricsWriter &operator=(const MetricsWriter &) = delete;

	// The run changed: the file is written at the next iteration of the loop (so that what
	// the same iteration still settles, such as a reload's end, is in it), or once the
	// interval since the last write is over.
	void changed();

private:
	void write();

	EventLoop &loop_;
	Journal &journal_;
	std::string path_;
	Snapshot snapshot_;
	SdEventSource pending_;
	uint64_t lastUsec_ = 0;
	bool written_ = false;
	bool failing_ = false; // the last write failed (and said so): say it once per streak
};

} // namespace modloadd
