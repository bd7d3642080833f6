// A storm of real kernel uevents received by UeventMonitor, side by side with udevadm monitor.
//
// Writes "change UUID" to the sysfs uevent files of real devices, round-robin, from a writer
// thread; the kernel multicasts one uevent per write, carrying the UUID as SYNTH_UUID, so each
// reception is matched to its write. The main thread receives through poll + drain(), once with
// the daemon's buffer and once with a small one, while `udevadm monitor --kernel` listens to the
// same storm. Needs root. See docs/PERFORMANCE.md, "Uevent storm".
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <mutex>
#include <optional>
#include <poll.h>
#include <set>
#include <spawn.h>
#include <string>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "base/handles.h"
#include "base/strings.h"
#include "uevent/coldplug.h"
#include "uevent/uevent_monitor.h"

extern char **environ;

using namespace modloadd;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

struct Options {
	size_t events = 100000;
	size_t smallBuffer = 64 * 1024;
	// With one writer the storm cannot outrun us: the kernel's broadcast yields the writer's
	// CPU whenever a listener's queue is over half full. Two writers keep both cores busy.
	size_t writers = 2;
	std::optional<std::string> udevadm; // "none": do not run it
};

struct Device {
	std::string devpath;
	UniqueFd uevent; // opened once: the storm measures the kernel, not open()
};

struct StormResult {
	size_t askedBuffer = 0;
	size_t grantedBuffer = 0;
	size_t sent = 0;
	size_t writeFailures = 0;
	UeventCounters counters;
	size_t stormReceived = 0; // accepted events matched to one of our writes
	size_t rescansAsked = 0;  // drain() calls that reported a loss
	uint64_t seqnumIssued = 0;
	uint64_t seqnumGaps = 0;
	double seconds = 0;
	std::vector<int64_t> latenciesNs;
	size_t beforeWriteReturned = 0;
	size_t devicesWritten = 0;
	size_t devicesNotReceived = 0;
	size_t rescanDevices = 0;
	double rescanSeconds = 0;
	size_t missedAfterRescan = 0;
	std::optional<size_t> udevadmPrinted;
};

int64_t nowNs()
{
	return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
		.count();
}

uint64_t kernelSeqnum()
{
	std::ifstream in("/sys/kernel/uevent_seqnum");
	uint64_t v = 0;
	in >> v;
	return v;
}

// "RRRRRRRR-0000-4000-8000-IIIIIIIIIIII": R tags the run, I is the write's index.
std::string uuidFor(uint32_t run, size_t index)
{
	return fmt::format("{:08x}-0000-4000-8000-{:012x}", run, index);
}

std::optional<size_t> indexFromUuid(uint32_t run, std::string_view uuid)
{
	std::string prefix = fmt::format("{:08x}-0000-4000-8000-", run);
	if (uuid.size() != prefix.size() + 12 || !startsWith(uuid, prefix))
		return std::nullopt;
	return std::stoull(std::string(uuid.substr(prefix.size())), nullptr, 16);
}

bool writeAll(int fd, std::string_view text)
{
	return ::pwrite(fd, text.data(), text.size(), 0) == static_cast<ssize_t>(text.size());
}

std::optional<std::string> findUdevadm()
{
	const char *path = getenv("PATH");
	std::string dirs = std::string(path ? path : "") + ":/sbin:/usr/sbin:/bin:/usr/bin";
	for (const std::string &dir : split(dirs, ':')) {
		std::string candidate = dir + "/udevadm";
		if (::access(candidate.c_str(), X_OK) == 0)
			return candidate;
	}
	return std::nullopt;
}

// `udevadm monitor --kernel` in a child; counts the storm's events it prints.
class UdevadmWatcher {
public:
	UdevadmWatcher(const std::string &path, const std::set<std::string> &devpaths)
	    : devpaths_(devpaths)
	{
		int fds[2];
		if (::pipe2(fds, O_CLOEXEC) < 0)
			return;
		UniqueFd readEnd(fds[0]), writeEnd(fds[1]);
		posix_spawn_file_actions_t actions;
		posix_spawn_file_actions_init(&actions);
		posix_spawn_file_actions_adddup2(&actions, writeEnd.get(), STDOUT_FILENO);
		posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
		std::string monitor = "monitor", kernel = "--kernel";
		char *argv[] = {const_cast<char *>(path.c_str()), monitor.data(), kernel.data(),
				nullptr};
		int r = posix_spawn(&pid_, path.c_str(), &actions, nullptr, argv, environ);
		posix_spawn_file_actions_destroy(&actions);
		if (r != 0) {
			pid_ = -1;
			return;
		}
		writeEnd.reset();
		reader_ = std::thread([this, fd = std::move(readEnd)] { read(fd.get()); });
	}
	~UdevadmWatcher() { stop(); }

	// udevadm prints its "KERNEL - the kernel uevent" line once its socket is bound.
	bool waitReady()
	{
		std::unique_lock lock(mutex_);
		return pid_ > 0 && changed_.wait_for(lock, 10s, [&] { return ready_ || ended_; }) &&
		       ready_;
	}

	// Waits until it has printed `expected` events or stops printing for 1 s (it lost the
	// rest), then ends it. The number printed.
	size_t finish(size_t expected)
	{
		auto deadline = Clock::now() + 60s;
		size_t last = printed();
		auto lastChange = Clock::now();
		while (printed() < expected && Clock::now() < deadline &&
		       Clock::now() - lastChange < 1s) {
			std::unique_lock lock(mutex_);
			changed_.wait_for(lock, 100ms);
			if (count_ != last) {
				last = count_;
				lastChange = Clock::now();
			}
		}
		stop();
		return printed();
	}

private:
	size_t printed()
	{
		std::lock_guard lock(mutex_);
		return count_;
	}

	void stop()
	{
		if (pid_ > 0) {
			::kill(pid_, SIGTERM);
			::waitpid(pid_, nullptr, 0);
			pid_ = -1;
		}
		if (reader_.joinable())
			reader_.join();
	}

	void read(int fd)
	{
		std::string pending;
		char buf[65536];
		ssize_t n;
		while ((n = ::read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
			if (n < 0)
				continue;
			pending.append(buf, static_cast<size_t>(n));
			size_t start = 0, end;
			size_t counted = 0;
			bool sawReady = false;
			while ((end = pending.find('\n', start)) != std::string::npos) {
				std::string_view line(pending.data() + start, end - start);
				start = end + 1;
				if (startsWith(line, "KERNEL - "))
					sawReady = true;
				// KERNEL[10946.228339] change   /devices/platform/pcspkr (platform)
				if (!startsWith(line, "KERNEL["))
					continue;
				auto words = split(line, ' ');
				if (words.size() >= 3 && words[1] == "change" &&
				    devpaths_.count(words[2]))
					counted++;
			}
			pending.erase(0, start);
			std::lock_guard lock(mutex_);
			count_ += counted;
			ready_ = ready_ || sawReady;
			changed_.notify_all();
		}
		std::lock_guard lock(mutex_);
		ended_ = true;
		changed_.notify_all();
	}

	const std::set<std::string> &devpaths_;
	pid_t pid_ = -1;
	std::thread reader_;
	std::mutex mutex_;
	std::condition_variable changed_;
	size_t count_ = 0;
	bool ready_ = false;
	bool ended_ = false;
};

// Devices whose "change" reaches a listener: each gets one write, and only those whose event
// arrives take part. Disks and network interfaces are left alone: on a host with udevd, a
// "change" makes it re-probe them.
std::vector<Device> stormDevices()
{
	std::vector<Device> candidates;
	for (const Uevent &ev : scanDevices("/")) {
		if (ev.subsystem.empty() || ev.subsystem == "block" || ev.subsystem == "net")
			continue;
		UniqueFd fd(
			::open(("/sys" + ev.devpath + "/uevent").c_str(), O_WRONLY | O_CLOEXEC));
		if (fd.valid())
			candidates.push_back({ev.devpath, std::move(fd)});
	}
	auto monitor =
		UeventMonitor::open(UeventSource::Kernel, UeventMonitor::kDefaultReceiveBuffer);
	if (!monitor)
		return {};
	const uint32_t run = 0x0ff1c1a1;
	std::vector<bool> seen(candidates.size());
	for (size_t i = 0; i < candidates.size(); i++)
		writeAll(candidates[i].uevent.get(), "change " + uuidFor(run, i));
	size_t left = candidates.size();
	auto deadline = Clock::now() + 5s;
	while (left > 0 && Clock::now() < deadline) {
		pollfd p{monitor->fd(), POLLIN, 0};
		::poll(&p, 1, 100);
		monitor->drain([&](Uevent &&ev) {
			const std::string *uuid = ev.property("SYNTH_UUID");
			auto i = uuid ? indexFromUuid(run, *uuid) : std::nullopt;
			if (i && *i < seen.size() && !seen[*i]) {
				seen[*i] = true;
				left--;
			}
		});
	}
	std::vector<Device> out;
	for (size_t i = 0; i < candidates.size(); i++)
		if (seen[i])
			out.push_back(std::move(candidates[i]));
	return out;
}

StormResult runStorm(const Options &opt, std::vector<Device> &devices, size_t buffer, uint32_t run,
		     const std::optional<std::string> &udevadm)
{
	StormResult res;
	res.askedBuffer = buffer;
	std::set<std::string> devpaths;
	for (const Device &d : devices)
		devpaths.insert(d.devpath);

	std::optional<UdevadmWatcher> watcher;
	if (udevadm) {
		watcher.emplace(*udevadm, devpaths);
		if (!watcher->waitReady()) {
			fmt::print(stderr, "udevadm monitor did not start; not compared\n");
			watcher.reset();
		}
	}

	auto monitor = UeventMonitor::open(UeventSource::Kernel, buffer);
	if (!monitor) {
		fmt::print(stderr, "{}\n", monitor.error().message);
		exit(1);
	}
	res.grantedBuffer = monitor->receiveBuffer();

	std::vector<int64_t> writtenAt(opt.events, 0), receivedAt(opt.events, 0);
	std::vector<bool> deviceReceived(devices.size());
	std::vector<uint64_t> seqnums;
	seqnums.reserve(opt.events + 1024);
	std::atomic<bool> writerDone = false;
	std::atomic<size_t> sent = 0, failures = 0;

	uint64_t seqBefore = kernelSeqnum();
	int64_t start = nowNs();
	std::atomic<size_t> writersLeft = opt.writers;
	std::vector<std::thread> writers;
	for (size_t w = 0; w < opt.writers; w++)
		writers.emplace_back([&, w] {
			std::string text;
			for (size_t i = w; i < opt.events; i += opt.writers) {
				text = "change " + uuidFor(run, i);
				if (writeAll(devices[i % devices.size()].uevent.get(), text)) {
					writtenAt[i] = nowNs();
					sent++;
				} else {
					failures++;
				}
			}
			if (--writersLeft == 0)
				writerDone = true;
		});

	int64_t lastEvent = start;
	auto onEvent = [&](Uevent &&ev) {
		seqnums.push_back(ev.seqnum);
		const std::string *uuid = ev.property("SYNTH_UUID");
		auto i = uuid ? indexFromUuid(run, *uuid) : std::nullopt;
		if (!i || *i >= opt.events || receivedAt[*i] != 0)
			return;
		receivedAt[*i] = nowNs();
		lastEvent = receivedAt[*i];
		deviceReceived[*i % devices.size()] = true;
		res.stormReceived++;
	};
	// Until every write is received or, once the writer is done, nothing came for 1 s.
	auto idleSince = Clock::now();
	for (;;) {
		pollfd p{monitor->fd(), POLLIN, 0};
		int ready = ::poll(&p, 1, 50);
		size_t before = monitor->counters().received;
		if (monitor->drain(onEvent))
			res.rescansAsked++;
		if (ready > 0 || monitor->counters().received != before)
			idleSince = Clock::now();
		if (writerDone && (res.stormReceived == sent || Clock::now() - idleSince > 1s))
			break;
	}
	for (std::thread &w : writers)
		w.join();
	uint64_t seqAfter = kernelSeqnum();

	res.sent = sent;
	res.writeFailures = failures;
	res.counters = monitor->counters();
	res.seconds = static_cast<double>(lastEvent - start) / 1e9;
	res.seqnumIssued = seqAfter - seqBefore;
	std::sort(seqnums.begin(), seqnums.end());
	seqnums.erase(std::unique(seqnums.begin(), seqnums.end()), seqnums.end());
	uint64_t seenInRange = static_cast<uint64_t>(
		std::count_if(seqnums.begin(), seqnums.end(),
			      [&](uint64_t s) { return s > seqBefore && s <= seqAfter; }));
	res.seqnumGaps = res.seqnumIssued - seenInRange;

	for (size_t i = 0; i < opt.events; i++) {
		if (receivedAt[i] == 0 || writtenAt[i] == 0)
			continue;
		// The kernel queues the event inside write(): the reader may have it first.
		int64_t d = receivedAt[i] - writtenAt[i];
		if (d < 0)
			res.beforeWriteReturned++;
		res.latenciesNs.push_back(std::max<int64_t>(d, 0));
	}
	std::sort(res.latenciesNs.begin(), res.latenciesNs.end());

	// What the daemon does after a loss: rescan sysfs.
	int64_t scanStart = nowNs();
	std::set<std::string> scanned;
	for (const Uevent &ev : scanDevices("/"))
		scanned.insert(ev.devpath);
	res.rescanSeconds = static_cast<double>(nowNs() - scanStart) / 1e9;
	res.rescanDevices = scanned.size();
	res.devicesWritten = std::min(devices.size(), opt.events);
	for (size_t d = 0; d < res.devicesWritten; d++) {
		if (deviceReceived[d])
			continue;
		res.devicesNotReceived++;
		if (!scanned.count(devices[d].devpath))
			res.missedAfterRescan++;
	}

	if (watcher)
		res.udevadmPrinted = watcher->finish(res.sent);
	return res;
}

std::string percentile(const std::vector<int64_t> &sorted, double p)
{
	if (sorted.empty())
		return "-";
	size_t i = static_cast<size_t>(p * static_cast<double>(sorted.size() - 1));
	return fmt::format("{:.0f}", static_cast<double>(sorted[i]) / 1e3);
}

void printMachine()
{
	std::ifstream cpuinfo("/proc/cpuinfo");
	std::string line, model = "?";
	while (std::getline(cpuinfo, line))
		if (startsWith(line, "model name")) {
			model = std::string(trim(line.substr(line.find(':') + 1)));
			break;
		}
	utsname u{};
	::uname(&u);
	fmt::print("machine: nproc {}, {}, kernel {}\n", std::thread::hardware_concurrency(), model,
		   u.release);
}

void printResults(const std::vector<std::pair<std::string, StormResult>> &runs)
{
	fmt::print("\n{:<40}", "");
	for (const auto &[name, r] : runs)
		fmt::print("{:>14}", name);
	fmt::print("\n");
	auto row = [&](const char *label, auto value) {
		fmt::print("{:<40}", label);
		for (const auto &[name, r] : runs)
			fmt::print("{:>14}", value(r));
		fmt::print("\n");
	};
	using R = const StormResult &;
	row("receive buffer asked (bytes)", [](R r) { return std::to_string(r.askedBuffer); });
	row("receive buffer granted (SO_RCVBUF)",
	    [](R r) { return std::to_string(r.grantedBuffer); });
	row("events sent (writes that succeeded)", [](R r) { return std::to_string(r.sent); });
	row("write failures", [](R r) { return std::to_string(r.writeFailures); });
	row("datagrams received (all sources)",
	    [](R r) { return std::to_string(r.counters.received); });
	row("accepted", [](R r) { return std::to_string(r.counters.accepted); });
	row("  of them the storm's (by SYNTH_UUID)",
	    [](R r) { return std::to_string(r.stormReceived); });
	row("storm events lost", [](R r) { return std::to_string(r.sent - r.stormReceived); });
	row("dropped: malformed", [](R r) { return std::to_string(r.counters.malformed); });
	row("dropped: bad modalias", [](R r) { return std::to_string(r.counters.badModalias); });
	row("dropped: truncated", [](R r) { return std::to_string(r.counters.truncated); });
	row("dropped: spoofed", [](R r) { return std::to_string(r.counters.spoofed); });
	row("ENOBUFS (overflows)", [](R r) { return std::to_string(r.counters.overflows); });
	row("drain() calls that asked for a rescan",
	    [](R r) { return std::to_string(r.rescansAsked); });
	row("kernel seqnums issued during the storm",
	    [](R r) { return std::to_string(r.seqnumIssued); });
	row("kernel seqnum gaps (issued, not seen)",
	    [](R r) { return std::to_string(r.seqnumGaps); });
	row("storm time, first write..last event (s)",
	    [](R r) { return fmt::format("{:.2f}", r.seconds); });
	row("throughput (storm events received/s)", [](R r) {
		if (r.seconds <= 0)
			return std::string("-");
		return fmt::format("{:.0f}", static_cast<double>(r.stormReceived) / r.seconds);
	});
	row("latency write() return->drain, p50 (us)",
	    [](R r) { return percentile(r.latenciesNs, 0.50); });
	row("latency p99 (us)", [](R r) { return percentile(r.latenciesNs, 0.99); });
	row("received before write() returned",
	    [](R r) { return std::to_string(r.beforeWriteReturned); });
	row("devices written", [](R r) { return std::to_string(r.devicesWritten); });
	row("devices with no event received",
	    [](R r) { return std::to_string(r.devicesNotReceived); });
	row("rescan: devices found", [](R r) { return std::to_string(r.rescanDevices); });
	row("rescan: time (ms)", [](R r) { return fmt::format("{:.1f}", r.rescanSeconds * 1e3); });
	row("MISSED AFTER RESCAN (target 0)",
	    [](R r) { return std::to_string(r.missedAfterRescan); });
	row("udevadm monitor --kernel: storm events", [](R r) {
		return r.udevadmPrinted ? std::to_string(*r.udevadmPrinted) : std::string("-");
	});
	row("udevadm monitor --kernel: lost", [](R r) {
		return r.udevadmPrinted ? std::to_string(r.sent - *r.udevadmPrinted)
					: std::string("-");
	});
}

void usage()
{
	fmt::print(stderr, "usage: modloadd-uevent-storm [--events N] [--small-buffer BYTES] "
			   "[--writers N] [--udevadm PATH|none]\n");
	exit(2);
}

Options parseOptions(int argc, char **argv)
{
	Options opt;
	for (int i = 1; i < argc; i++) {
		std::string_view a = argv[i];
		if (i + 1 >= argc)
			usage();
		if (a == "--events")
			opt.events = std::stoull(argv[++i]);
		else if (a == "--small-buffer")
			opt.smallBuffer = std::stoull(argv[++i]);
		else if (a == "--writers")
			opt.writers = std::stoull(argv[++i]);
		else if (a == "--udevadm")
			opt.udevadm = argv[++i];
		else
			usage();
	}
	if (opt.events == 0 || opt.writers == 0)
		usage();
	return opt;
}

} // namespace

int main(int argc, char **argv)
{
	// Options and preconditions: root writes the uevent files and may exceed rmem_max.
	Options opt = parseOptions(argc, argv);
	if (::geteuid() != 0) {
		fmt::print(stderr, "modloadd-uevent-storm needs root\n");
		return 1;
	}
	std::optional<std::string> udevadm =
		opt.udevadm ? (*opt.udevadm == "none" ? std::nullopt : opt.udevadm) : findUdevadm();
	printMachine();

	// The devices: every one whose "change" reaches a listener.
	std::vector<Device> devices = stormDevices();
	if (devices.empty()) {
		fmt::print(stderr, "no device sends uevents when written to\n");
		return 1;
	}
	fmt::print("storm:   {} \"change UUID\" writes, round-robin over {} devices, from {} "
		   "writer thread(s)\n",
		   opt.events, devices.size(), opt.writers);
	fmt::print("udevadm: {}\n", udevadm ? *udevadm + " monitor --kernel (in parallel)"
					    : std::string("not found, not compared"));

	// The storm, once per buffer size, each beside its own udevadm monitor.
	std::vector<std::pair<std::string, StormResult>> runs;
	runs.emplace_back("default", runStorm(opt, devices, UeventMonitor::kDefaultReceiveBuffer,
					      0x5707a001, udevadm));
	runs.emplace_back("small", runStorm(opt, devices, opt.smallBuffer, 0x5707a002, udevadm));

	// The figures, side by side.
	printResults(runs);
	return 0;
}
