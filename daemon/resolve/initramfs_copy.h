// The initramfs's copy of a module, compared with the file on disk: the "initramfs kept the old
// driver" trap.
#pragma once

#include "resolve/module_index.h"

#include <optional>
#include <string>
#include <vector>

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

// The srcversion recorded in the module file at PATH (on disk); nullopt when it has none.
std::optional<std::string> fileSrcversion(ModuleIndex &index, const std::string &path);

// One module file of an initramfs image, judged against the disk's.
struct InitramfsEntry {
	std::string module;
	InitramfsCopy copy;  // copy.path is set
	bool onDisk = false; // the index knows the module (a file, or built in)
};

// Every module the initramfs of the index's kernel holds, in the image's order.
struct InitramfsImage {
	std::string image;   // as the target system names it
	std::string problem; // why the image could not be read (entries may be partial)
	std::vector<InitramfsEntry> entries;
};

// ROOT's initramfs for the index's kernel, every module in it judged; nullopt without an image.
std::optional<InitramfsImage> examineInitramfsImage(ModuleIndex &index);

} // namespace modloadd
