// The daemon's state gathered from the load run, the device intake and the reloader, and
// written where modloadctl reads it.
#include "service/state_writer.h"

#include "base/handles.h"
#include "report/daemon_report.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

namespace modloadd {

namespace {

uint64_t realtimeUsec()
{
	timespec ts{};
	clock_gettime(CLOCK_REALTIME, &ts);
	return uint64_t(ts.tv_sec) * 1000000 + uint64_t(ts.tv_nsec) / 1000;
}

std::optional<double> millis(const std::optional<std::chrono::microseconds> &took)
{
	if (!took)
		return std::nullopt;
	return double(took->count()) / 1000;
}

std::string_view phaseOf(const DaemonParts &parts)
{
	if (!parts.run)
		return "starting";
	if (parts.reloader && parts.reloader->reloading())
		return "reloading";
	return parts.settled ? "settled" : "loading";
}

ModuleState moduleState(const Loader &loader, size_t i, const std::vector<std::string> &running)
{
	const PlannedModule &m = loader.module(i);
	ModuleState s;
	s.name = m.name;
	s.origins = m.origins;
	s.devices = m.devices;
	s.path = m.displayPath;
	s.options = m.options;
	s.installCommand = m.installCommand;
	s.durationMs = millis(loader.took(i));
	if (const std::optional<Outcome> &o = loader.outcome(i)) {
		s.outcome = outcomeKey(o->kind);
		s.err = o->err;
		s.cause = o->cause;
		s.kernelMessage = o->kernelMessage;
	} else {
		bool inserting = std::find(running.begin(), running.end(), m.name) != running.end();
		s.outcome = inserting ? "inserting" : "waiting";
	}
	if (const std::optional<Outcome> &late = loader.late(i))
		s.late = LateAnswer{outcomeKey(late->kind), late->err, late->kernelMessage,
				    millis(loader.lateTook(i))};
	return s;
}

} // namespace

DaemonState daemonState(const DaemonParts &parts)
{
	DaemonState s;
	s.phase = phaseOf(parts);
	s.ready = parts.ready;
	s.status = parts.status;
	if (parts.reloader)
		s.generation = parts.reloader->generation();
	if (parts.run) {
		const Tally &tally = parts.run->tally();
		s.settled = tally.settled();
		for (size_t k = 0; k < kOutcomeKinds; k++)
			s.counts[k] = tally.count(static_cast<OutcomeKind>(k));
		s.inserting = parts.run->running();
		const Loader &loader = parts.run->loader();
		s.modules.reserve(loader.size());
		for (size_t i = 0; i < loader.size(); i++)
			if (!loader.withdrawn(i)) // a later job of the module stands for it
				s.modules.push_back(moduleState(loader, i, s.inserting));
	}
	if (parts.devices)
		if (const UeventCounters *counters = parts.devices->counters())
			s.uevents =
				UeventState{*counters, parts.devices->deviceEvents().value_or(0),
					    parts.devices->rescans()};
	return s;
}

int writeStateFile(std::string_view root, const std::string &text)
{
	std::string path = stateFilePath(root);
	std::string dir = path.substr(0, path.find_last_of('/'));
	std::error_code ec;
	std::filesystem::create_directories(dir, ec);
	if (ec)
		return -ec.value();
	// Readable by everyone, whatever umask made it (the instance record may have).
	struct stat st {};
	if (stat(dir.c_str(), &st) < 0)
		return -errno;
	if ((st.st_mode & 0755) != 0755 && chmod(dir.c_str(), st.st_mode | 0755) < 0)
		return -errno;
	std::string temporary = path + ".new";
	UniqueFd fd(open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	if (!fd.valid())
		return -errno;
	int err = fchmod(fd.get(), 0644) < 0 ? errno : 0;
	for (size_t done = 0; !err && done < text.size();) {
		ssize_t n = write(fd.get(), text.data() + done, text.size() - done);
		if (n < 0 && errno != EINTR)
			err = errno;
		else if (n > 0)
			done += size_t(n);
	}
	fd.reset();
	if (!err && rename(temporary.c_str(), path.c_str()) < 0)
		err = errno;
	if (err) {
		unlink(temporary.c_str());
		return -err;
	}
	return 0;
}

StateWriter::StateWriter(EventLoop &loop, Journal &journal, std::string root,
			 std::function<DaemonParts()> parts)
    : loop_(loop), journal_(journal), root_(std::move(root)), parts_(std::move(parts)),
      startedUsec_(realtimeUsec())
{
}

void StateWriter::progressed()
{
	DaemonParts parts = parts_();
	uint64_t generation = parts.reloader ? parts.reloader->generation() : 0;
	bool justSettled = parts.settled && !lastSettled_;
	lastSettled_ = parts.settled;
	if (justSettled || generation != lastGeneration_)
		return writeNow();
	if (pending_)
		return;
	auto timer = loop_.after(std::chrono::microseconds(kCoalesce).count(), [this] {
		pending_.reset();
		writeNow();
	});
	if (timer)
		pending_ = std::move(*timer);
	else
		writeNow(); // no timer: a write per progress rather than none
}

// Never fails the daemon: a failure is journaled once, and the next write tries again.
void StateWriter::writeNow(std::string_view phase)
{
	pending_.reset();
	DaemonParts parts = parts_();
	DaemonState state = daemonState(parts);
	lastGeneration_ = state.generation;
	state.pid = getpid();
	state.startedUsec = startedUsec_;
	state.writtenUsec = realtimeUsec();
	if (!phase.empty())
		state.phase = phase;
	int r = writeStateFile(root_, stateJson(state));
	if (r < 0 && !failureReported_) {
		failureReported_ = true;
		reportStateUnwritten(journal_, stateFilePath(root_), r);
	}
}

} // namespace modloadd
