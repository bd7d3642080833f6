// The real backend: finit_module through libkmod, in an insert helper process per worker, with
// the kernel's own words on failure.
#pragma once

#include "base/handles.h"
#include "load/backend.h"

#include <mutex>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace modloadd {

// The insert helper next to the running executable (both are installed in libexecdir, and sit
// side by side in the build tree).
std::string defaultInsertHelper();

// An insert helper started, with our end of its socket.
struct InsertHelper {
	UniqueFd socket;
	pid_t pid = -1;
};

// Starts the helper at PATH: the helper, or -errno (the exec failed: posix_spawn says so).
int startInsertHelper(const std::string &path, InsertHelper &helper);
// Closes our end (the helper exits once out of the kernel) and reaps it; WAIT false leaves
// one that may be inside a module's init.
void stopInsertHelper(InsertHelper &helper, bool wait);

class KernelBackend : public Backend {
public:
	// `allowInstallCommands`: run modprobe.d `install` commands through /bin/sh, as modprobe
	// does, instead of refusing them (the resolver only hands us such jobs when allowed).
	// `helper`: the modloadd-insert executable each worker starts. `kmsg`: the kernel's log
	// (a file of records in its format, for tests).
	explicit KernelBackend(bool allowInstallCommands,
			       std::string helper = defaultInsertHelper(),
			       std::string kmsg = "/dev/kmsg")
	    : allowInstallCommands_(allowInstallCommands), helper_(std::move(helper)),
	      kmsg_(std::move(kmsg))
	{
	}
	// The prepared helpers that no worker took exit.
	~KernelBackend() override;
	std::unique_ptr<BackendWorker> makeWorker() override;
	// Starts COUNT helpers at once: an exec and libkmod's setup each, which a boot under load
	// feels before its first insert. A failure here is left for the worker to meet and report.
	void prepare(unsigned count) override;
	// Each helper writes the refusal memory itself, before it answers: a daemon killed while a
	// module's init runs, or before it reads the answer, loses nothing.
	bool rememberRefusalsIn(const std::string &path) override;
	// A prepared helper for a worker (any thread); nullopt when none is left.
	std::optional<InsertHelper> takePrepared();
	// The refusal memory each request names (any thread).
	std::string refusals();

private:
	bool allowInstallCommands_;
	std::string helper_;
	std::string kmsg_;
	std::mutex lock_; // prepared_, refusals_
	std::vector<InsertHelper> prepared_;
	std::string refusals_;
};

} // namespace modloadd
