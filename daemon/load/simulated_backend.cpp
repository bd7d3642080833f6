// The simulated backend: scripted latency and errno per module.
#include "load/simulated_backend.h"

#include "base/strings.h"

#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fmt/format.h>
#include <optional>
#include <sys/prctl.h>
#include <thread>

namespace modloadd {

namespace {

std::optional<int> parseErrno(std::string_view s)
{
	int value = 0;
	auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
	if (ec == std::errc() && ptr == s.data() + s.size())
		return value >= 0 ? std::optional(value) : std::optional(-value);
	// Symbolic names: the ones a module load can plausibly return.
	static const std::pair<std::string_view, int> names[] = {
		{"EPERM", EPERM},
		{"ENOENT", ENOENT},
		{"EIO", EIO},
		{"ENOEXEC", ENOEXEC},
		{"ENOMEM", ENOMEM},
		{"EACCES", EACCES},
		{"EBUSY", EBUSY},
		{"EEXIST", EEXIST},
		{"ENODEV", ENODEV},
		{"ENXIO", ENXIO},
		{"EINVAL", EINVAL},
		{"ENOSPC", ENOSPC},
		{"ETIMEDOUT", ETIMEDOUT},
		{"EKEYREJECTED", EKEYREJECTED},
		{"ENOKEY", ENOKEY},
		{"EBADMSG", EBADMSG},
		{"EFAULT", EFAULT},
		{"ENOSYS", ENOSYS},
	};
	for (auto &[name, value] : names)
		if (s == name)
			return value;
	return std::nullopt;
}

} // namespace

SimulationScript SimulationScript::parse(std::string_view text, std::string_view displayPath,
					 Diagnostics &diags)
{
	SimulationScript script{{}, {}};
	unsigned lineNo = 0;
	for (const std::string &raw : split(text, '\n', false)) {
		lineNo++;
		std::string_view line = trim(raw);
		if (line.empty() || line.front() == '#')
			continue;
		auto fields = split(line, ':', false);
		unsigned latency = 0;
		std::optional<int> err;
		if (fields.size() == 3) {
			auto [p, ec] = std::from_chars(
				fields[1].data(), fields[1].data() + fields[1].size(), latency);
			if (ec == std::errc() && p == fields[1].data() + fields[1].size())
				err = parseErrno(trim(fields[2]));
		}
		if (!err || fields[0].empty()) {
			diags.push_back(
				{std::string(displayPath), lineNo,
				 fmt::format("'{}' is not NAME:LATENCY_MS:ERRNO, ignoring", line)});
			continue;
		}
		SimulatedResult r{latency, *err};
		if (fields[0] == "*")
			script.fallback_ = r;
		else
			script.perModule_[normalizeModuleName(fields[0])] = r;
	}
	return script;
}

SimulatedResult SimulationScript::lookup(const std::string &module) const
{
	auto it = perModule_.find(module);
	return it == perModule_.end() ? fallback_ : it->second;
}

class SimulatedWorker : public BackendWorker {
public:
	explicit SimulatedWorker(SimulatedBackend &backend) : backend_(backend)
	{
		// Constructed on the worker thread: 1 ns timer slack (default 50 us) keeps the
		// scripted latency close to what was asked, so benchmarks measure the scheduler.
		prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	}
	int insert(const LoadJob &job, std::string &kernelMessage) override
	{
		SimulatedResult scripted = backend_.attempt(job);
		// The scripted latency, cut short by abandon(): a hung init is a long latency.
		bool abandoned;
		{
			std::unique_lock guard(lock_);
			abandoned =
				wake_.wait_for(guard, std::chrono::milliseconds(scripted.latencyMs),
					       [&] { return abandoned_; });
		}
		backend_.finished();
		if (abandoned)
			return -ECANCELED;
		int r = -scripted.err;
		if (r < 0)
			kernelMessage =
				fmt::format("{}: simulated failure ({})", job.name, strerror(-r));
		return r;
	}
	std::string linesSoFar() override { return "simulated: still initialising"; }
	void abandon() override
	{
		{
			std::lock_guard guard(lock_);
			abandoned_ = true;
		}
		wake_.notify_all();
	}

private:
	SimulatedBackend &backend_;
	std::mutex lock_;
	std::condition_variable wake_;
	bool abandoned_ = false;
};

std::unique_ptr<BackendWorker> SimulatedBackend::makeWorker()
{
	return std::make_unique<SimulatedWorker>(*this);
}

SimulatedResult SimulatedBackend::attempt(const LoadJob &job)
{
	{
		std::lock_guard guard(lock_);
		attempts_[job.name]++;
		order_.push_back(job.name);
	}
	unsigned now = ++inFlight_;
	unsigned peak = peak_.load();
	while (now > peak && !peak_.compare_exchange_weak(peak, now)) {
	}
	return script_.lookup(job.name);
}

void SimulatedBackend::finished()
{
	--inFlight_;
}

std::map<std::string, unsigned> SimulatedBackend::attempts() const
{
	std::lock_guard guard(lock_);
	return attempts_;
}

std::vector<std::string> SimulatedBackend::insertOrder() const
{
	std::lock_guard guard(lock_);
	return order_;
}

} // namespace modloadd
