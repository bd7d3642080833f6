// A backend that inserts nothing: scripted latency and errno per module, for tests and benchmarks.
#pragma once

#include "base/request.h"
#include "load/backend.h"

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace modloadd {

struct SimulatedResult {
	unsigned latencyMs = 0;
	int err = 0; // positive errno the "kernel" answers, 0 for success
};

// A script in the kmod testsuite's spirit, one module per line: `NAME:LATENCY_MS:ERRNO`, where
// ERRNO is a number or a name (ENODEV, EEXIST, ...; 0 for success). `*` sets the default for
// modules the script does not name. `#` starts a comment.
class SimulationScript {
public:
	static SimulationScript parse(std::string_view text, std::string_view displayPath,
				      Diagnostics &diags);
	static SimulationScript uniform(unsigned latencyMs)
	{
		return SimulationScript{{}, {latencyMs, 0}};
	}

	void set(const std::string &module, SimulatedResult r) { perModule_[module] = r; }
	SimulatedResult lookup(const std::string &module) const;

private:
	SimulationScript(std::map<std::string, SimulatedResult> m, SimulatedResult d)
	    : perModule_(std::move(m)), fallback_(d)
	{
	}
	std::map<std::string, SimulatedResult> perModule_;
	SimulatedResult fallback_;
};

class SimulatedBackend : public Backend {
public:
	explicit SimulatedBackend(SimulationScript script) : script_(std::move(script)) {}

	std::unique_ptr<BackendWorker> makeWorker() override;

	// What the tests and benchmarks look at afterwards.
	std::map<std::string, unsigned> attempts() const;
	std::vector<std::string> insertOrder() const; // order in which attempts started
	unsigned peakConcurrency() const { return peak_.load(); }

private:
	friend class SimulatedWorker;
	SimulatedResult attempt(const LoadJob &job); // counts it; the worker waits the latency
	void finished();

	SimulationScript script_;
	mutable std::mutex lock_;
	std::map<std::string, unsigned> attempts_;
	std::vector<std::string> order_;
	std::atomic<unsigned> inFlight_{0};
	std::atomic<unsigned> peak_{0};
};

} // namespace modloadd
