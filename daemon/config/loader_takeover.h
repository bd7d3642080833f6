// Whether modloadd loads modules alone on a system, as the takeover in modloadd(8) sets it up:
// modloadd.service enabled, systemd-modules-load.service an alias of it, and no udev rule left
// that loads modules (`modloadctl doctor`'s takeover-partial).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace modloadd {

// A udev rule line that loads modules: a `kmod load` builtin or a modprobe it runs.
struct UdevLoadingLine {
	std::string file; // as the target system sees it
	unsigned line = 0;
	std::string text;
};

struct TakeoverState {
	// modloadd.service is enabled (a *.wants/ link under /etc or /run/systemd/system), or
	// systemd-modules-load.service is an alias of it.
	bool modloaddEnabled = false;
	// systemd-modules-load.service is an alias of modloadd.service (the takeover).
	bool modulesLoadAliased = false;
	// ... or masked: it does not run, but the units ordered after it lose their ordering.
	bool modulesLoadMasked = false;
	// The udev rules that still load modules: the files udev reads (/etc, /run,
	// /usr/local/lib, /usr/lib, /lib udev/rules.d, a name in an earlier directory hiding the
	// same name later, an empty file or a /dev/null link masking it), their lines that do.
	std::vector<UdevLoadingLine> udevLoading;

	bool modulesLoadRuns() const { return !modulesLoadAliased && !modulesLoadMasked; }
};

TakeoverState readTakeover(std::string_view root);

} // namespace modloadd
