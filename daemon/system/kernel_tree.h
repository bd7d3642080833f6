// Which kernel's modules: the directory libkmod reads, under an optional root.
#pragma once

#include "base/result.h"

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace modloadd {

struct KernelTree {
	std::string version;
	std::string dir;	// on disk, with the root prefix
	std::string displayDir; // as the target system sees it
};

// The running kernel's release (uname -r), or nullopt if uname fails.
std::optional<std::string> runningKernelVersion();

// ROOT/lib/modules/VERSION, else ROOT/usr/lib/modules/VERSION. Without a version: the only one
// installed under the root, else the running kernel's (uname -r).
Result<KernelTree> findKernelTree(std::string_view root, const std::optional<std::string> &version);

// The modules built into kernel RELEASE, by name with '-' as '_' ("kernel/fs/ext4/ext4.ko" ->
// "ext4"), from ROOT/lib/modules/RELEASE/modules.builtin, else the one under /usr/lib/modules;
// empty when neither can be read.
std::set<std::string> readBuiltinModules(std::string_view root, std::string_view release);

} // namespace modloadd
