// The initramfs's copy of a module, compared with the file on disk: the "initramfs kept the old
// driver" trap.
#pragma once

#include "resolve/module_index.h"

#include <optional>
#include <string>

namespace modloadd {

struct InitramfsCopy {
	std::string image;		       // as the target system names it
	std::optional<std::string> path;       // inside the image; nullopt: the image has none
	std::optional<std::string> srcversion; // the copy's
	// The same build as the file modules.dep holds (by srcversion when both have one, else
	// byte for byte); nullopt without a copy or a file to compare.
	std::optional<bool> matchesDisk;
	std::string problem; // why the image could not be read; empty when it could
};

// The copy of MODULE in ROOT's initramfs for the index's kernel; nullopt when there is no
// image. DISKSRCVERSION is the srcversion of the file on disk, when it has one.
std::optional<InitramfsCopy> examineInitramfs(ModuleIndex &index, const ModuleInfo &module,
					      const std::optional<std::string> &diskSrcversion);

} // namespace modloadd
