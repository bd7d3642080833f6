// What becomes of one module: the one vocabulary the plan, the loader and the reports speak.
#pragma once

#include <string>
#include <string_view>

namespace modloadd {

// A plan expects one of these for every module (Inserted: it will be attempted; any other kind
// is decided without an attempt); the loader settles every module with one of them.
enum class OutcomeKind {
	Inserted,      // we inserted it
	AlreadyLoaded, // live before we tried (or the kernel answered EEXIST)
	Builtin,       // part of the kernel image (modules.builtin)
	Blacklisted,   // modprobe.d blacklist, the command line, or a denied install command
	NotFound,      // no module or alias by that name in this kernel's tree
	NoDevice,      // the module refused to initialise without its hardware (ENODEV)
	Failed,	       // anything else the kernel refused; errno says why
	TimedOut,      // the insert ran past [Load] InsertTimeoutSec= (the module may come later)
};

inline constexpr size_t kOutcomeKinds = 8;

struct Outcome {
	OutcomeKind kind = OutcomeKind::Failed;
	int err = 0;	   // positive errno for NotFound, NoDevice and Failed
	std::string cause; // why, when not the module's own insertion (a dependency, a blacklist)
	std::string kernelMessage; // the kernel's own log lines about the failure, when known
};

// The module is usable (or was never meant to be loaded by us).
bool isSuccess(OutcomeKind kind);

// The outcome fails the run, like systemd-modules-load's exit status: not-found, no-device and
// blacklisted do not; a timed-out insert does.
bool isFailure(OutcomeKind kind);

// As the journal says what happened (MODLOADD_OUTCOME=): "inserted", "already loaded", ...
std::string_view outcomeName(OutcomeKind kind);

// As a plan says what will happen (`modloadctl plan`'s ACTION): "insert", "loaded", "builtin",
// "blacklisted", "missing", "fail" (a hard dependency is missing); "no device", which only an
// attempt can give, has no plan word ("-").
std::string_view planWord(OutcomeKind kind);

} // namespace modloadd
