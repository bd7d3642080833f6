// The real backend: finit_module through libkmod, in an insert helper process per worker, with
// the kernel's own words on failure.
#pragma once

#include "load/backend.h"

#include <string>

namespace modloadd {

// The insert helper next to the running executable (both are installed in libexecdir, and sit
// side by side in the build tree).
std::string defaultInsertHelper();

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
	std::unique_ptr<BackendWorker> makeWorker() override;

private:
	bool allowInstallCommands_;
	std::string helper_;
	std::string kmsg_;
};

} // namespace modloadd
