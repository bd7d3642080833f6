// The daemon's metrics textfile ([Report] MetricsFile=): what it says, and when it is written.
#include "service/daemon.h"

namespace modloadd {

// The run changed (it settled): the file is due, through the writer's rate limit. The writer
// exists from the first settle on, and its destructor writes the last state at stop.
void Daemon::metricsChanged()
{
	if (settings_.metricsFile.empty() || !run_)
		return;
	if (!metrics_)
		metrics_ = std::make_unique<MetricsWriter>(*loop_, journal_, settings_.metricsFile,
							   [this] { return metricsSnapshot(); });
	metrics_->changed();
}

MetricsSnapshot Daemon::metricsSnapshot() const
{
	MetricsSnapshot s;
	for (size_t k = 0; k < kOutcomeKinds; k++)
		s.outcomes[k] = run_->tally().count(static_cast<OutcomeKind>(k));
	s.durations = run_->durations();
	if (const UeventCounters *counters = devices_ ? devices_->counters() : nullptr)
		s.uevents = *counters;
	s.rescans = devices_ ? devices_->rescans() : 0;
	s.reloads = reloader_->generation();
	s.ready = ready_;
	s.settled = settled_ && idle();
	// The start on the wall clock: now, less the time the daemon has run.
	auto started = std::chrono::system_clock::now() -
		       (std::chrono::steady_clock::now() - times_.begun);
	s.startTime = std::chrono::duration<double>(started.time_since_epoch()).count();
	return s;
}

} // namespace modloadd
