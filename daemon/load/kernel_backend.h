// The real backend: finit_module through libkmod, with the kernel's own words on failure.
#pragma once

#include "load/backend.h"

namespace modloadd {

class KernelBackend : public Backend {
public:
	// `allowInstallCommands`: run modprobe.d `install` commands through /bin/sh, as modprobe
	// does, instead of refusing them (the resolver only hands us such jobs when allowed).
	explicit KernelBackend(bool allowInstallCommands)
	    : allowInstallCommands_(allowInstallCommands)
	{
	}
	std::unique_ptr<BackendWorker> makeWorker() override;

private:
	bool allowInstallCommands_;
};

} // namespace modloadd
