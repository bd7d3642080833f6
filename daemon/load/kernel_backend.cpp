// The kernel backend: one libkmod context per worker, /dev/kmsg for the kernel's reasons.
#include "load/kernel_backend.h"

#include "base/handles.h"
#include "base/strings.h"

#include "load/insert_protocol.h"
#include "load/insert_result.h"
#include "load/kmsg_lines.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <mutex>
#include <poll.h>
#include <spawn.h>
#include <string_view>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char **environ;

namespace modloadd {

namespace {

// Reads what the kernel logged about one insert since a mark. /dev/kmsg gives every reader its
// own position, so concurrent workers do not steal each other's lines; each keeps the lines
// that belong to its insert (load/kmsg_lines.h): those that start with the module's name, and
// the helper's lines about signatures, lockdown and ELF checks, which name no module.
class KmsgReader {
public:
	explicit KmsgReader(const std::string &path)
	    : fd_(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC))
	{
	}

	void mark(std::string module, pid_t helper, std::string comm)
	{
		module_ = std::move(module);
		helper_ = helper;
		comm_ = std::move(comm);
		seen_.clear();
		partial_.clear();
		if (fd_.valid())
			lseek(fd_.get(), 0, SEEK_END);
	}

	// The lines of the insert since the mark that explain its answer (0 while it runs: the
	// module's own lines only). Each call reads on from the last.
	std::string lines(int answer)
	{
		readNew();
		std::string out;
		for (const Seen &s : seen_) {
			if (!explainsAnswer(s.relation, answer, s.byThread))
				continue;
			if (!out.empty())
				out += '\n';
			out += s.text;
		}
		return out;
	}

private:
	struct Seen {
		std::string text;
		KmsgRelation relation;
		bool byThread;
	};
	static constexpr size_t kMaxSeen = 256; // a chatty init keeps its first lines

	void readNew()
	{
		if (!fd_.valid())
			return;
		char buf[8192];
		for (;;) {
			ssize_t n = read(fd_.get(), buf, sizeof(buf));
			if (n < 0 && errno == EPIPE)
				continue; // overwritten records: skip ahead
			if (n <= 0)
				break;
			// One record per read from /dev/kmsg; a file (as the tests give) may hold
			// several, and a record's continuation lines start with a space.
			partial_.append(buf, static_cast<size_t>(n));
			size_t begin = 0;
			for (size_t nl; (nl = partial_.find('\n', begin)) != std::string::npos;
			     begin = nl + 1) {
				std::string_view line(partial_.data() + begin, nl - begin);
				if (!line.empty() && line[0] != ' ')
					take(line);
			}
			partial_.erase(0, begin);
		}
	}

	void take(std::string_view line)
	{
		auto record = parseKmsgRecord(line);
		if (!record || seen_.size() >= kMaxSeen)
			return;
		KmsgRelation relation = relationTo(*record, {module_, helper_, comm_});
		if (relation != KmsgRelation::Unrelated)
			seen_.push_back(
				{std::move(record->text), relation, record->thread.has_value()});
	}

	UniqueFd fd_;
	std::string module_;
	pid_t helper_ = 0;
	std::string comm_;
	std::vector<Seen> seen_;
	std::string partial_;
};

// One helper process (modloadd-insert) per worker, started on the first insert and again
// after it dies. The worker's thread waits on the helper's answer or on abandon(), never inside
// the kernel.
class KernelWorker : public BackendWorker {
public:
	KernelWorker(KernelBackend &backend, std::string helper, bool allowInstallCommands,
		     const std::string &kmsg)
	    : backend_(backend), helperPath_(std::move(helper)), helperComm_(commOf(helperPath_)),
	      allowInstallCommands_(allowInstallCommands),
	      cancel_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), kmsg_(kmsg)
	{
	}
	~KernelWorker() override { stopHelper(); }

	int insert(const LoadJob &job, std::string &kernelMessage) override
	{
		if (!job.installCommand.empty() && !allowInstallCommands_)
			return -EPERM;
		std::string request = encodeInsertRequest({job, backend_.refusals()});
		if (request.size() > kInsertRequestMax) {
			kernelMessage = "the module's path and options are too long";
			return -E2BIG;
		}
		if (int r = ensureHelper(); r < 0) {
			kernelMessage =
				fmt::format("cannot start {}: {}", helperPath_, strerror(-r));
			return r;
		}
		mark(job.name);
		InsertAnswer answer = 0;
		int r = exchange(request, answer);
		if (r == kNotSent) {
			// The helper was gone before the request reached it (a prepared one that
			// died waiting): nothing was attempted, so a fresh one may try.
			stopHelper();
			if (int s = ensureHelper(); s < 0) {
				kernelMessage = fmt::format("cannot start {}: {}", helperPath_,
							    strerror(-s));
				return s;
			}
			mark(job.name);
			r = exchange(request, answer);
		}
		if (r == -ECANCELED)
			return r;
		if (r < 0) {
			kernelMessage = fmt::format("the insert helper went away ({})",
						    strerror(r == kNotSent ? EPIPE : -r));
			stopHelper();
			return -EPIPE;
		}
		if (!job.installCommand.empty()) {
			if (answer < 0)
				kernelMessage = "install command failed: " + job.installCommand;
			return answer;
		}
		if (initAnsweredTaken(job.name, answer)) {
			std::lock_guard guard(kmsgLock_);
			kernelMessage =
				fmt::format("{}: its initialisation answered EEXIST: what it "
					    "drives is taken by another module",
					    job.name);
			if (std::string lines = kmsg_.lines(answer); !lines.empty())
				kernelMessage += "\n" + lines;
			return -ENODEV;
		}
		if (answer < 0 && answer != -EEXIST) {
			std::lock_guard guard(kmsgLock_);
			kernelMessage = kmsg_.lines(answer);
		}
		return answer;
	}

	std::string linesSoFar() override
	{
		std::lock_guard guard(kmsgLock_);
		return kmsg_.lines(0);
	}

	void abandon() override
	{
		abandoned_ = true;
		uint64_t one = 1; // never read: stays readable, so every later wait ends too
		(void)!write(cancel_.get(), &one, sizeof one);
	}

private:
	// The kernel's lines from now on about MODULE, or from the helper about it, are the
	// insert's.
	void mark(const std::string &module)
	{
		std::lock_guard guard(kmsgLock_);
		kmsg_.mark(module, helper_.pid, helperComm_);
	}

	// A helper for the next insert: the one we have, a prepared one, or a new one.
	int ensureHelper()
	{
		if (helper_.socket.valid())
			return 0;
		if (auto prepared = backend_.takePrepared()) {
			helper_ = std::move(*prepared);
			return 0;
		}
		return startInsertHelper(helperPath_, helper_);
	}

	// exchange(): the request could not be sent, so the helper never saw it.
	static constexpr int kNotSent = 1;

	// Sends the request and waits for the answer or for abandon(). 0, kNotSent, -errno when
	// the helper went away after it took the request, or -ECANCELED.
	int exchange(const std::string &request, InsertAnswer &answer)
	{
		int fd = helper_.socket.get();
		if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) < 0)
			return kNotSent;
		pollfd fds[2] = {{fd, POLLIN, 0}, {cancel_.get(), POLLIN, 0}};
		for (;;) {
			if (poll(fds, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (fds[1].revents)
				return -ECANCELED;
			ssize_t n = recv(fd, &answer, sizeof answer, 0);
			if (n == sizeof answer)
				return 0;
			if (n < 0 && errno == EINTR)
				continue;
			return n < 0 ? -errno : -EPIPE;
		}
	}

	// Closing our end tells the helper to exit once it is out of the kernel. An abandoned
	// helper may still be inside a module's init: it is not waited for.
	void stopHelper() { stopInsertHelper(helper_, !abandoned_); }

	KernelBackend &backend_;
	std::string helperPath_;
	std::string helperComm_; // what the kernel calls the helper ("Lockdown: COMM: ...")
	bool allowInstallCommands_;
	UniqueFd cancel_;
	std::atomic<bool> abandoned_{false};
	InsertHelper helper_;
	std::mutex kmsgLock_; // kmsg_: linesSoFar() comes from another thread
	KmsgReader kmsg_;
};

} // namespace

std::string defaultInsertHelper()
{
	std::error_code ec;
	std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
	if (ec)
		return MODLOADD_LIBEXECDIR "/modloadd-insert";
	return (self.parent_path() / "modloadd-insert").string();
}

int startInsertHelper(const std::string &path, InsertHelper &helper)
{
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return -errno;
	UniqueFd ours(pair[0]), theirs(pair[1]);
	if (theirs.get() == kInsertHelperFd) // dup2 onto itself would keep CLOEXEC
		theirs = UniqueFd(fcntl(kInsertHelperFd, F_DUPFD_CLOEXEC, kInsertHelperFd + 1));
	posix_spawn_file_actions_t actions;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, theirs.get(), kInsertHelperFd);
	char name[] = "modloadd-insert";
	char *argv[] = {name, nullptr};
	pid_t pid = -1;
	int r = posix_spawn(&pid, path.c_str(), &actions, nullptr, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (r != 0)
		return -r;
	helper.socket = std::move(ours);
	helper.pid = pid;
	return 0;
}

void stopInsertHelper(InsertHelper &helper, bool wait)
{
	if (!helper.socket.valid())
		return;
	helper.socket.reset();
	int status;
	while (waitpid(helper.pid, &status, wait ? 0 : WNOHANG) < 0 && errno == EINTR) {
	}
	helper.pid = -1;
}

KernelBackend::~KernelBackend()
{
	for (InsertHelper &helper : prepared_)
		stopInsertHelper(helper, true); // idle: each exits at once
}

std::unique_ptr<BackendWorker> KernelBackend::makeWorker()
{
	return std::make_unique<KernelWorker>(*this, helper_, allowInstallCommands_, kmsg_);
}

void KernelBackend::prepare(unsigned count)
{
	std::lock_guard guard(lock_);
	for (unsigned i = 0; i < count; i++) {
		InsertHelper helper;
		if (startInsertHelper(helper_, helper) < 0)
			return; // the workers start their own, and report why they cannot
		prepared_.push_back(std::move(helper));
	}
}

bool KernelBackend::rememberRefusalsIn(const std::string &path)
{
	std::lock_guard guard(lock_);
	refusals_ = path;
	return true;
}

std::string KernelBackend::refusals()
{
	std::lock_guard guard(lock_);
	return refusals_;
}

std::optional<InsertHelper> KernelBackend::takePrepared()
{
	std::lock_guard guard(lock_);
	if (prepared_.empty())
		return std::nullopt;
	InsertHelper helper = std::move(prepared_.back());
	prepared_.pop_back();
	return helper;
}

} // namespace modloadd
