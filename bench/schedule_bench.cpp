// modloadd-schedule-bench: how close the worker pool gets to the best possible makespan when
// it schedules every module of a real kernel tree against a simulated kernel.
#include "base/request.h"
#include "load/loader.h"
#include "load/scheduler.h"
#include "load/simulated_backend.h"
#include "resolve/module_graph.h"
#include "resolve/module_index.h"
#include "system/kernel_tree.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <exception>
#include <fmt/format.h>
#include <fstream>
#include <getopt.h>
#include <map>
#include <optional>
#include <string>
#include <sys/utsname.h>
#include <unistd.h>
#include <vector>

using namespace modloadd;

namespace {

// The target every row is judged against: makespan / lower bound.
constexpr double kTargetRatio = 1.10;

struct CommandLine {
	std::string root;
	std::optional<std::string> kernel;
	unsigned latencyMs = 5;
	std::vector<unsigned> pools{1, 2, 4, 8};
};

void usage(FILE *to)
{
	fmt::print(to, "Usage: modloadd-schedule-bench --root DIR [OPTIONS]\n"
		       "\n"
		       "Plans every module of a kernel tree and schedules it on worker pools of\n"
		       "several sizes against the simulated backend, timing each run.\n"
		       "\n"
		       "  --root DIR          the module tree is DIR/lib/modules/VERSION\n"
		       "  --kernel VERSION    which kernel under DIR (default: the only one)\n"
		       "  --latency-ms N      simulated time per insertion (default: 5)\n"
		       "  --pools N,N,...     worker pool sizes to run (default: 1,2,4,8)\n"
		       "  -h, --help\n");
}

std::optional<unsigned> parseUnsigned(std::string_view s)
{
	unsigned value = 0;
	auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
	if (ec != std::errc() || ptr != s.data() + s.size())
		return std::nullopt;
	return value;
}

// >0: run, 0: exit successfully, <0: usage error.
int parseCommandLine(int argc, char **argv, CommandLine &cl)
{
	enum { OptRoot = 256, OptKernel, OptLatency, OptPools };
	static const option longOptions[] = {
		{"root", required_argument, nullptr, OptRoot},
		{"kernel", required_argument, nullptr, OptKernel},
		{"latency-ms", required_argument, nullptr, OptLatency},
		{"pools", required_argument, nullptr, OptPools},
		{"help", no_argument, nullptr, 'h'},
		{nullptr, 0, nullptr, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "h", longOptions, nullptr)) >= 0) {
		std::string_view arg = optarg ? optarg : "";
		switch (c) {
		case OptRoot:
			cl.root = arg;
			break;
		case OptKernel:
			cl.kernel = std::string(arg);
			break;
		case OptLatency: {
			auto ms = parseUnsigned(arg);
			if (!ms || *ms == 0) {
				fmt::print(stderr,
					   "modloadd-schedule-bench: --latency-ms wants a "
					   "positive number, not '{}'\n",
					   arg);
				return -1;
			}
			cl.latencyMs = *ms;
			break;
		}
		case OptPools: {
			cl.pools.clear();
			size_t start = 0;
			for (;;) {
				size_t comma = arg.find(',', start);
				std::string_view item = arg.substr(start, comma - start);
				auto n = parseUnsigned(item);
				if (!n || *n == 0) {
					fmt::print(stderr,
						   "modloadd-schedule-bench: --pools wants "
						   "positive numbers, not '{}'\n",
						   item);
					return -1;
				}
				cl.pools.push_back(*n);
				if (comma == std::string_view::npos)
					break;
				start = comma + 1;
			}
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fmt::print(stderr, "modloadd-schedule-bench: unexpected argument '{}'\n",
			   argv[optind]);
		return -1;
	}
	if (cl.root.empty()) {
		fmt::print(stderr, "modloadd-schedule-bench: --root is required\n");
		usage(stderr);
		return -1;
	}
	return 1;
}

std::string cpuModel()
{
	std::ifstream in("/proc/cpuinfo");
	std::string line;
	while (std::getline(in, line)) {
		if (line.rfind("model name", 0) != 0)
			continue;
		size_t colon = line.find(':');
		if (colon != std::string::npos)
			return line.substr(line.find_first_not_of(" \t", colon + 1));
	}
	return "unknown";
}

struct GraphSize {
	size_t modules = 0;
	size_t toInsert = 0; // the jobs the scheduler hands out; the rest are settled up front
	size_t hardEdges = 0;
	size_t softEdges = 0;
};

GraphSize measure(const ModuleGraph &graph)
{
	GraphSize size;
	size.modules = graph.modules.size();
	for (const PlannedModule &m : graph.modules) {
		size.toInsert += m.toInsert();
		for (const ModuleEdge &e : m.waitsFor)
			(e.hard ? size.hardEdges : size.softEdges)++;
	}
	return size;
}

struct Row {
	unsigned workers = 0;
	size_t attempted = 0;
	double makespan = 0;   // seconds, wall clock
	double bound = 0;      // max(critical path, total work / workers)
	double sequential = 0; // attempted x latency
	unsigned peak = 0;
	bool exactlyOnce = false;
};

// The longest chain of attempts in the graph, as the scheduler counts it: presets (builtin,
// missing, ...) are settled before the clock starts and take no time.
unsigned longestChain(const ModuleGraph &graph)
{
	Scheduler scheduler(jobsOf(graph));
	unsigned chain = 0;
	for (size_t i = 0; i < scheduler.size(); i++)
		chain = std::max(chain, scheduler.priority(i));
	return chain;
}

// One timed run of the whole graph on `workers` threads, by the loader the daemon runs.
Row runPool(const ModuleGraph &graph, unsigned chain, unsigned latencyMs, unsigned workers)
{
	SimulatedBackend backend(SimulationScript::uniform(latencyMs));
	Loader loader(backend, workers);

	auto start = std::chrono::steady_clock::now();
	loader.add(graph);
	loader.waitIdle();
	auto end = std::chrono::steady_clock::now();

	Row row;
	row.workers = workers;
	row.makespan = std::chrono::duration<double>(end - start).count();
	row.peak = backend.peakConcurrency();

	// Every module the plan inserts was attempted exactly once, and nothing else was.
	std::map<std::string, unsigned> attempts = backend.attempts();
	size_t planned = 0;
	row.exactlyOnce = true;
	for (const PlannedModule &m : graph.modules) {
		if (!m.toInsert())
			continue;
		planned++;
		auto it = attempts.find(m.name);
		if (it == attempts.end() || it->second != 1)
			row.exactlyOnce = false;
	}
	if (attempts.size() != planned)
		row.exactlyOnce = false;
	for (const auto &[name, count] : attempts)
		row.attempted += count;

	double latency = latencyMs / 1000.0;
	double criticalPath = chain * latency;
	row.sequential = static_cast<double>(row.attempted) * latency;
	row.bound = std::max(criticalPath, row.sequential / workers);
	return row;
}

} // namespace

int main(int argc, char **argv)
try {
	// Parse the command line.
	CommandLine cl;
	int r = parseCommandLine(argc, argv, cl);
	if (r <= 0)
		return r < 0 ? 2 : 0;

	// Open the kernel's module tree.
	auto tree = findKernelTree(cl.root, cl.kernel);
	if (!tree) {
		fmt::print(stderr, "modloadd-schedule-bench: {}\n", tree.error().message);
		return 1;
	}
	auto index = ModuleIndex::open(cl.root, *tree);
	if (!index) {
		fmt::print(stderr, "modloadd-schedule-bench: {}\n", index.error().message);
		return 1;
	}

	// Plan every module in modules.dep, as if each one were requested.
	std::vector<Request> requests;
	for (std::string &name : index->allModules())
		requests.push_back({std::move(name), "bench"});
	if (requests.empty()) {
		fmt::print(stderr, "modloadd-schedule-bench: no modules in {}\n", tree->dir);
		return 1;
	}
	auto planStart = std::chrono::steady_clock::now();
	ModuleGraph graph = buildModuleGraph(*index, requests, ResolveOptions{});
	double planSeconds =
		std::chrono::duration<double>(std::chrono::steady_clock::now() - planStart).count();
	GraphSize size = measure(graph);
	unsigned chain = longestChain(graph);

	// Describe the machine and the graph, so the figures below stand on their own.
	utsname uts{};
	uname(&uts);
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	fmt::print("machine: nproc {}, {}, kernel {}\n", cpus, cpuModel(), uts.release);
	fmt::print("tree:    {} ({} requests)\n", tree->dir, requests.size());
	fmt::print("graph:   {} modules ({} to insert), {} hard edges, {} soft edges; planned in "
		   "{:.2f} s\n",
		   size.modules, size.toInsert, size.hardEdges, size.softEdges, planSeconds);
	fmt::print("latency: {} ms per insertion (simulated, uniform)\n", cl.latencyMs);
	fmt::print("bound:   max(critical path {} attempts = {:.3f} s, {} attempts x {} ms / "
		   "workers)\n",
		   chain, chain * cl.latencyMs / 1000.0, size.toInsert, cl.latencyMs);
	fmt::print("target:  makespan within {:.0f}% of the bound\n\n",
		   (kTargetRatio - 1.0) * 100.0);

	// Schedule the whole graph once per pool size, timed on the wall clock.
	fmt::print("{:>7} {:>9} {:>10} {:>9} {:>6} {:>10} {:>8} {:>5} {:>5} {:>6}\n", "workers",
		   "attempted", "makespan", "bound", "ratio", "sequential", "speed-up", "peak",
		   "once", "target");
	for (unsigned workers : cl.pools) {
		Row row = runPool(graph, chain, cl.latencyMs, workers);
		double ratio = row.makespan / row.bound;
		fmt::print(
			"{:>7} {:>9} {:>9.3f}s {:>8.3f}s {:>6.3f} {:>9.3f}s {:>7.2f}x {:>5} {:>5} "
			"{:>6}\n",
			row.workers, row.attempted, row.makespan, row.bound, ratio, row.sequential,
			row.sequential / row.makespan, row.peak, row.exactlyOnce ? "yes" : "NO",
			ratio <= kTargetRatio ? "PASS" : "MISS");
		std::fflush(stdout);
	}
	return 0;
} catch (const std::exception &e) {
	fmt::print(stderr, "modloadd-schedule-bench: {}\n", e.what());
	return 1;
}
