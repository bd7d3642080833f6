// modloadd-insert: where modloadd's inserts run. Each insertion worker of the daemon has one
// such process and hands it one module at a time; the kernel runs the module's init in the
// process that asked for the insert, so a hung init holds this process, never the daemon: the
// daemon can time the insert out, go on, and stop or restart while the init still runs here.
// The helper exits when the daemon closes its end, after the insert it is in, if any.
#include "base/handles.h"
#include "load/insert_protocol.h"
#include "load/refusals.h"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <spawn.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <vector>

extern char **environ;

namespace modloadd {
namespace {

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

int insertModule(kmod_ctx *ctx, const LoadJob &job)
{
	if (!ctx)
		return -ENOMEM;
	kmod_module *raw = nullptr;
	int r = kmod_module_new_from_path(ctx, job.path.c_str(), &raw);
	if (r < 0)
		return r;
	KmodModule mod(raw);
	return kmod_module_insert_module(mod.get(), 0,
					 job.options.empty() ? nullptr : job.options.c_str());
}

int serve()
{
	// Only paths are used, so no index: the daemon resolved everything.
	KmodContext ctx(kmod_new(nullptr, nullptr));
	std::string packet(kInsertRequestMax, '\0');
	for (;;) {
		ssize_t n = recv(kInsertHelperFd, packet.data(), packet.size(), MSG_TRUNC);
		if (n == 0)
			return 0; // the daemon is done with us
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		InsertAnswer answer;
		auto request = static_cast<size_t>(n) <= packet.size()
				       ? decodeInsertRequest(std::string_view(packet.data(), n))
				       : std::nullopt;
		if (!request)
			answer = -EINVAL;
		else if (!request->job.installCommand.empty())
			answer = runInstallCommand(request->job);
		else {
			const LoadJob &job = request->job;
			answer = insertModule(ctx.get(), job);
			// Before the answer: a daemon that is gone by now must still find it.
			if (!request->refusals.empty())
				Refusals(request->refusals)
					.rememberAnswer(job.name, job.options, answer);
		}
		if (send(kInsertHelperFd, &answer, sizeof answer, MSG_NOSIGNAL) < 0)
			return 0;
	}
}

} // namespace
} // namespace modloadd

int main()
{
	int type = 0;
	socklen_t len = sizeof type;
	if (getsockopt(modloadd::kInsertHelperFd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_SEQPACKET) {
		std::fputs("modloadd-insert: modloadd runs this helper itself; it is not a "
			   "command\n",
			   stderr);
		return 2;
	}
	return modloadd::serve();
}
