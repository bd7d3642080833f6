// What became of one module: the outcome classes every stage and report speak of.
#pragma once

#include <string>
#include <string_view>

namespace modloadd {

enum class OutcomeKind {
	Inserted,      // we inserted it
	AlreadyLoaded, // live before we tried (or the kernel answered EEXIST)
	Builtin,       // part of the kernel image (modules.builtin)
	Blacklisted,   // modprobe.d blacklist, the command line, or a denied install command
	NotFound,      // no module or alias by that name in this kernel's tree
	NoDevice,      // the module refused to initialise without its hardware (ENODEV)
	Failed,	       // anything else the kernel refused; errno says why
};

struct Outcome {
	OutcomeKind kind = OutcomeKind::Failed;
	int err = 0;	   // positive errno for NoDevice and Failed
	std::string cause; // why, when not the module's own insertion (a dependency, a blacklist)
	std::string kernelMessage; // the kernel's own log lines about the failure, when known
};

// Classify the result of one insertion attempt (0 or -errno), as systemd-modules-load does:
// EEXIST is success, ENODEV means "no device" and is not an error.
Outcome classifyInsertResult(int r);

// The module is usable (or was never meant to be loaded by us).
bool isSuccess(OutcomeKind kind);

// The outcome fails the run, like systemd-modules-load's exit status: not-found, no-device and
// blacklisted do not.
bool isFailure(OutcomeKind kind);

std::string_view outcomeName(OutcomeKind kind);

} // namespace modloadd
