// The initramfs image a kernel boots with, and the module files it holds.
#pragma once

#include "base/result.h"

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace modloadd {

// ROOT's initramfs for kernel VERSION, as the target system names it: /boot/initrd.img-VERSION
// (initramfs-tools), /boot/initramfs-VERSION.img (dracut), /boot/initrd-VERSION; nullopt when
// there is none.
std::optional<std::string> findInitramfs(std::string_view root, std::string_view version);

struct InitramfsModule {
	std::string path;    // inside the image: "/usr/lib/modules/VERSION/kernel/.../x.ko.zst"
	std::string content; // its bytes, as stored (compressed if the file is)
};

// The first file of module NAME (its file name with '-' as '_') under lib/modules/VERSION or
// usr/lib/modules/VERSION in the image at IMAGE (on disk): the uncompressed cpio archives at
// its start (early microcode, several maybe), then the one compressed archive after them (gzip,
// xz, lz4, zstd, ...). nullopt when the image has no such file; an Error when it cannot be read.
Result<std::optional<InitramfsModule>>
findInitramfsModule(const std::string &image, std::string_view version, const std::string &name);

// Calls VISIT with every module file for kernel VERSION in the image at IMAGE, in the order the
// kernel unpacks them, with the module's name; VISIT returns false to stop. An Error when the
// image cannot be read.
using InitramfsVisitor = std::function<bool(const std::string &name, InitramfsModule module)>;
Status forEachInitramfsModule(const std::string &image, std::string_view version,
			      const InitramfsVisitor &visit);

} // namespace modloadd
