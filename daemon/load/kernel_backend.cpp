// The kernel backend: one libkmod context per worker, /dev/kmsg for the kernel's reasons.
#include "load/kernel_backend.h"

#include "base/handles.h"
#include "base/strings.h"

#include <cerrno>
#include <fcntl.h>
#include <spawn.h>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace modloadd {

namespace {

// Reads what the kernel logged about one module since a mark. /dev/kmsg gives every reader its
// own position, so concurrent workers do not steal each other's lines; they filter by the
// "name: " prefix the module loader puts on its messages.
class KmsgReader {
public:
	KmsgReader() : fd_(open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC)) {}

	void mark()
	{
		if (fd_.valid())
			lseek(fd_.get(), 0, SEEK_END);
	}

	std::string linesAbout(std::string_view module)
	{
		std::string out;
		if (!fd_.valid())
			return out;
		char buf[8192];
		for (;;) {
			ssize_t n = read(fd_.get(), buf, sizeof(buf) - 1);
			if (n < 0 && errno == EPIPE)
				continue; // overwritten records: skip ahead
			if (n <= 0)
				break;
			// "prio,seq,usec,flags;text\n" then continuation lines.
			std::string_view rec(buf, static_cast<size_t>(n));
			auto semi = rec.find(';');
			if (semi == std::string_view::npos)
				continue;
			std::string_view text = rec.substr(semi + 1);
			text = text.substr(0, text.find('\n'));
			if (mentions(text, module)) {
				if (!out.empty())
					out += '\n';
				out += text;
			}
		}
		return out;
	}

private:
	static bool mentions(std::string_view text, std::string_view module)
	{
		// Kernel messages about a module start with its name, in either spelling.
		auto colon = text.find(':');
		if (colon == std::string_view::npos)
			return false;
		return normalizeModuleName(text.substr(0, colon)) == normalizeModuleName(module);
	}

	UniqueFd fd_;
};

int runInstallCommand(const LoadJob &job)
{
	// As modprobe: /bin/sh -c COMMAND, with the module's options in $CMDLINE_OPTS.
	std::string optsEnv = "CMDLINE_OPTS=" + job.options;
	std::string nameEnv = "MODPROBE_MODULE=" + job.name;
	std::vector<char *> env;
	for (char **e = environ; e && *e; e++)
		env.push_back(*e);
	env.push_back(optsEnv.data());
	env.push_back(nameEnv.data());
	env.push_back(nullptr);
	std::string cmd = job.installCommand;
	char sh[] = "/bin/sh", dashC[] = "-c";
	char *argv[] = {sh, dashC, cmd.data(), nullptr};
	pid_t pid;
	int r = posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, env.data());
	if (r != 0)
		return -r;
	int status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	return -EIO;
}

class KernelWorker : public BackendWorker {
public:
	explicit KernelWorker(bool allowInstallCommands)
	    // one per worker: libkmod is not thread-safe. Only paths are used, so no index.
	    : ctx_(kmod_new(nullptr, nullptr)), allowInstallCommands_(allowInstallCommands)
	{
	}

	int insert(const LoadJob &job, std::string &kernelMessage) override
	{
		if (!ctx_)
			return -ENOMEM;
		if (!job.installCommand.empty()) {
			if (!allowInstallCommands_)
				return -EPERM;
			int r = runInstallCommand(job);
			if (r < 0)
				kernelMessage = "install command failed: " + job.installCommand;
			return r;
		}
		kmod_module *raw = nullptr;
		int r = kmod_module_new_from_path(ctx_.get(), job.path.c_str(), &raw);
		if (r < 0)
			return r;
		KmodModule mod(raw);
		kmsg_.mark();
		r = kmod_module_insert_module(mod.get(), 0,
					      job.options.empty() ? nullptr : job.options.c_str());
		if (r < 0 && r != -EEXIST)
			kernelMessage = kmsg_.linesAbout(job.name);
		return r;
	}

private:
	KmodContext ctx_;
	KmsgReader kmsg_;
	bool allowInstallCommands_;
};

} // namespace

std::unique_ptr<BackendWorker> KernelBackend::makeWorker()
{
	return std::make_unique<KernelWorker>(allowInstallCommands_);
}

} // namespace modloadd
