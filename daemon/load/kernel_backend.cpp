// The kernel backend: one libkmod context per worker, /dev/kmsg for the kernel's reasons.
#include "load/kernel_backend.h"

#include "base/handles.h"
#include "base/strings.h"

#include "load/insert_protocol.h"
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
	KernelWorker(std::string helper, bool allowInstallCommands, const std::string &kmsg)
	    : helperPath_(std::move(helper)), helperComm_(commOf(helperPath_)),
	      allowInstallCommands_(allowInstallCommands),
	      cancel_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), kmsg_(kmsg)
	{
	}
	~KernelWorker() override { stopHelper(); }

	int insert(const LoadJob &job, std::string &kernelMessage) override
	{
		if (!job.installCommand.empty() && !allowInstallCommands_)
			return -EPERM;
		std::string request = encodeInsertRequest(job);
		if (request.size() > kInsertRequestMax) {
			kernelMessage = "the module's path and options are too long";
			return -E2BIG;
		}
		if (!helper_.valid()) {
			if (int r = startHelper(); r < 0) {
				kernelMessage = fmt::format("cannot start {}: {}", helperPath_,
							    strerror(-r));
				return r;
			}
		}
		{
			std::lock_guard guard(kmsgLock_);
			kmsg_.mark(job.name, pid_, helperComm_);
		}
		InsertAnswer answer = 0;
		int r = exchange(request, answer);
		if (r == -ECANCELED)
			return r;
		if (r < 0) {
			kernelMessage =
				fmt::format("the insert helper went away ({})", strerror(-r));
			stopHelper();
			return -EPIPE;
		}
		if (!job.installCommand.empty()) {
			if (answer < 0)
				kernelMessage = "install command failed: " + job.installCommand;
			return answer;
		}
		if (answer == -EEXIST && !present(job.name)) {
			// Not "already loaded": the module's own init answered EEXIST, as a cpufreq
			// driver does when another one drives the CPUs. What it would drive is
			// taken: no device for it, and the same answer for the rest of the boot.
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
	// Whether the kernel has the module, live or still initialising (its /sys/module entry is
	// made before its init runs). The kernel backend always acts on the running kernel.
	static bool present(const std::string &name)
	{
		std::error_code ec;
		return std::filesystem::exists("/sys/module/" + normalizeModuleName(name), ec) ||
		       ec;
	}

	int startHelper()
	{
		int pair[2];
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
			return -errno;
		UniqueFd ours(pair[0]), theirs(pair[1]);
		if (theirs.get() == kInsertHelperFd) // dup2 onto itself would keep CLOEXEC
			theirs = UniqueFd(
				fcntl(kInsertHelperFd, F_DUPFD_CLOEXEC, kInsertHelperFd + 1));
		posix_spawn_file_actions_t actions;
		posix_spawn_file_actions_init(&actions);
		posix_spawn_file_actions_adddup2(&actions, theirs.get(), kInsertHelperFd);
		char name[] = "modloadd-insert";
		char *argv[] = {name, nullptr};
		int r = posix_spawn(&pid_, helperPath_.c_str(), &actions, nullptr, argv, environ);
		posix_spawn_file_actions_destroy(&actions);
		if (r != 0)
			return -r;
		helper_ = std::move(ours);
		return 0;
	}

	// Sends the request and waits for the answer or for abandon(). 0, or -errno when the
	// helper is gone, or -ECANCELED.
	int exchange(const std::string &request, InsertAnswer &answer)
	{
		if (send(helper_.get(), request.data(), request.size(), MSG_NOSIGNAL) < 0)
			return -errno;
		pollfd fds[2] = {{helper_.get(), POLLIN, 0}, {cancel_.get(), POLLIN, 0}};
		for (;;) {
			if (poll(fds, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				return -errno;
			}
			if (fds[1].revents)
				return -ECANCELED;
			ssize_t n = recv(helper_.get(), &answer, sizeof answer, 0);
			if (n == sizeof answer)
				return 0;
			if (n < 0 && errno == EINTR)
				continue;
			return n < 0 ? -errno : -EPIPE;
		}
	}

	// Closing our end tells the helper to exit once it is out of the kernel. An abandoned
	// helper may still be inside a module's init: it is not waited for.
	void stopHelper()
	{
		if (!helper_.valid())
			return;
		helper_.reset();
		int status;
		while (waitpid(pid_, &status, abandoned_ ? WNOHANG : 0) < 0 && errno == EINTR) {
		}
	}

	std::string helperPath_;
	std::string helperComm_; // what the kernel calls the helper ("Lockdown: COMM: ...")
	bool allowInstallCommands_;
	UniqueFd cancel_;
	std::atomic<bool> abandoned_{false};
	UniqueFd helper_; // our end of the helper's socket
	pid_t pid_ = -1;
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

std::unique_ptr<BackendWorker> KernelBackend::makeWorker()
{
	return std::make_unique<KernelWorker>(helper_, allowInstallCommands_, kmsg_);
}

} // namespace modloadd
