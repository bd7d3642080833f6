// The kernel command line's say in module loading: modules_load= and the blacklist.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/request.h"

namespace modloadd {

struct KernelCmdline {
	// origin "kernel-cmdline" (or "kernel-cmdline (rd.modules_load)")
	std::vector<Request> modulesLoad;
	// from modprobe.blacklist= and module_blacklist=, normalized names
	std::vector<std::string> blacklist;
	// from module_blacklist= alone: the kernel itself refuses these, even as dependencies
	std::vector<std::string> forbidden;
};

// Split like the kernel/systemd (proc_cmdline): whitespace separates words, double quotes group
// (quotes removed, `a="b c"` -> key a value "b c"); keys compare with '-' and '_' equal;
// modules_load=a,b and modules-load= (repeatable, comma lists, empty elements skipped);
// rd.modules_load= only when inInitrd (both forms then count); modprobe.blacklist=a,b and
// module_blacklist=a,b. Bad names (checkModuleName) -> Diagnostic{"kernel command line", 0,
// "..., ignoring"}. Everything after a standalone "--" is for init, not the kernel: ignored.
KernelCmdline parseKernelCmdline(std::string_view cmdline, bool inInitrd, Diagnostics &diags);

// root/proc/cmdline contents, or nullopt when absent/unreadable.
std::optional<std::string> readKernelCmdline(std::string_view root);

// True when root/etc/initrd-release exists (systemd's in_initrd()).
bool inInitrd(std::string_view root);

} // namespace modloadd
