// The metrics textfile, written as the run changes and at stop.
#include "service/metrics_writer.h"

#include "report/daemon_report.h"

namespace modloadd {

MetricsWriter::MetricsWriter(EventLoop &loop, Journal &journal, std::string path, Snapshot snapshot)
    : loop_(loop), journal_(journal), path_(std::move(path)), snapshot_(std::move(snapshot))
{
}

MetricsWriter::~MetricsWriter()
{
	pending_.reset();
	write(); // the last word: what the run had done when the daemon stopped
}

void MetricsWriter::changed()
{
	if (pending_)
		return; // a write is due already, and will take this change
	uint64_t now = loop_.now();
	uint64_t wait = written_ && now < lastUsec_ + kMinIntervalUsec
				? lastUsec_ + kMinIntervalUsec - now
				: 0;
	auto timer =
		wait ? loop_.after(wait, [this] { write(); }) : loop_.defer([this] { write(); });
	if (timer)
		pending_ = std::move(*timer);
	else
		write(); // no timer: now rather than never
}

void MetricsWriter::write()
{
	pending_.reset();
	lastUsec_ = loop_.now();
	written_ = true;
	int r = writeMetricsFile(path_, formatMetrics(snapshot_()));
	if (r < 0 && !failing_)
		reportMetricsUnwritten(journal_, path_, r);
	failing_ = r < 0;
}

} // namespace modloadd
