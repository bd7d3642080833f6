// The metrics textfile: the Prometheus text format, and its atomic replacement.
#include "report/metrics.h"

#include "base/handles.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace modloadd {

namespace {

// A label value for an outcome: its journal word in snake case ("already_loaded").
std::string outcomeLabel(OutcomeKind kind)
{
	std::string s(outcomeName(kind));
	for (char &c : s)
		if (c == ' ')
			c = '_';
	return s;
}

// A sample value as Prometheus reads it: Go's float syntax.
std::string value(double v)
{
	if (std::isinf(v))
		return v > 0 ? "+Inf" : "-Inf";
	return fmt::format("{}", v);
}

class Writer {
public:
	void family(std::string_view name, std::string_view type, std::string_view help)
	{
		out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
	}
	void sample(std::string_view name, std::string_view labels, std::string_view v)
	{
		out_ += fmt::format("{}{}{}{} {}\n", name, labels.empty() ? "" : "{", labels,
				    labels.empty() ? "" : "}", v);
	}
	void sample(std::string_view name, std::string_view labels, uint64_t n)
	{
		sample(name, labels, std::to_string(n));
	}
	std::string take() { return std::move(out_); }

private:
	std::string out_;
};

} // namespace

void InsertDurations::add(double seconds)
{
	size_t i = 0;
	while (i < kBounds.size() && seconds > kBounds[i])
		i++;
	buckets_[i]++;
	count_++;
	sum_ += seconds;
}

std::string formatMetrics(const MetricsSnapshot &s)
{
	Writer w;
	w.family("modloadd_modules_total", "counter",
		 "Modules settled since the daemon started, by outcome.");
	for (size_t k = 0; k < kOutcomeKinds; k++)
		w.sample("modloadd_modules_total",
			 fmt::format("outcome=\"{}\"", outcomeLabel(static_cast<OutcomeKind>(k))),
			 s.outcomes[k]);

	const char *histogram = "modloadd_insert_duration_seconds";
	w.family(histogram, "histogram",
		 "How long the kernel took to answer each insert (finit_module and the "
		 "module's init), in seconds.");
	uint64_t cumulative = 0;
	for (size_t i = 0; i < InsertDurations::kBounds.size(); i++) {
		cumulative += s.durations.inBucket(i);
		w.sample("modloadd_insert_duration_seconds_bucket",
			 fmt::format("le=\"{}\"", value(InsertDurations::kBounds[i])), cumulative);
	}
	w.sample("modloadd_insert_duration_seconds_bucket", "le=\"+Inf\"", s.durations.count());
	w.sample("modloadd_insert_duration_seconds_sum", "", value(s.durations.sum()));
	w.sample("modloadd_insert_duration_seconds_count", "", s.durations.count());

	if (s.uevents) {
		const UeventCounters &c = *s.uevents;
		w.family("modloadd_uevents_received_total", "counter",
			 "Datagrams read from the uevent socket.");
		w.sample("modloadd_uevents_received_total", "", c.received);
		w.family("modloadd_uevents_accepted_total", "counter",
			 "Uevents taken as devices' events.");
		w.sample("modloadd_uevents_accepted_total", "", c.accepted);
		w.family("modloadd_uevents_dropped_total", "counter",
			 "Datagrams refused, by reason.");
		const std::pair<const char *, uint64_t> drops[] = {
			{"malformed", c.malformed},
			{"bad_modalias", c.badModalias},
			{"truncated", c.truncated},
			{"wrong_sender", c.spoofed},
		};
		for (auto [reason, n] : drops)
			w.sample("modloadd_uevents_dropped_total",
				 fmt::format("reason=\"{}\"", reason), n);
		w.family("modloadd_uevent_overflows_total", "counter",
			 "Overflows of the uevent socket (ENOBUFS): events the kernel dropped.");
		w.sample("modloadd_uevent_overflows_total", "", c.overflows);
	}
	w.family("modloadd_rescans_total", "counter", "Walks of /sys/devices after lost uevents.");
	w.sample("modloadd_rescans_total", "", s.rescans);
	w.family("modloadd_reloads_total", "counter", "Reloads of the configuration finished.");
	w.sample("modloadd_reloads_total", "", s.reloads);
	w.family("modloadd_ready", "gauge",
		 "1 once the daemon has reported ready (READY=1), else 0.");
	w.sample("modloadd_ready", "", uint64_t{s.ready});
	w.family("modloadd_settled", "gauge",
		 "1 when every module asked for so far has settled, else 0.");
	w.sample("modloadd_settled", "", uint64_t{s.settled});
	w.family("modloadd_start_time_seconds", "gauge",
		 "When the daemon started, in seconds since the epoch (counters restart then).");
	w.sample("modloadd_start_time_seconds", "", value(std::floor(s.startTime)));
	return w.take();
}

int writeMetricsFile(const std::string &path, std::string_view text)
{
	auto slash = path.rfind('/');
	std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
	std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
	std::string temp = dir + "/." + name + ".XXXXXX";
	UniqueFd fd(mkostemp(temp.data(), O_CLOEXEC));
	if (!fd.valid())
		return -errno;
	int r = 0;
	for (size_t done = 0; done < text.size() && r == 0;) {
		ssize_t n = write(fd.get(), text.data() + done, text.size() - done);
		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			done += static_cast<size_t>(n);
	}
	if (r == 0 && fchmod(fd.get(), 0644) < 0)
		r = -errno;
	if (r == 0 && rename(temp.c_str(), path.c_str()) < 0)
		r = -errno;
	if (r < 0)
		unlink(temp.c_str());
	return r;
}

} // namespace modloadd
