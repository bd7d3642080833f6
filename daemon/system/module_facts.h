// What the machine says about one module or device beyond the module index: the running copy's
// attributes under /sys/module, a device's modalias, the firmware files installed.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace modloadd {

// ROOT/sys/module/MODULE/ATTRIBUTE's first line ("srcversion", "taint", "initstate"); nullopt
// when there is none.
std::optional<std::string> readModuleAttribute(std::string_view root, const std::string &module,
					       const std::string &attribute);

// Whether MODULE is live: in ROOT/proc/modules, or with an initstate under ROOT/sys/module (a
// builtin module may have a /sys/module directory, but no initstate).
bool moduleIsLive(std::string_view root, const std::string &module);

// Every live module: ROOT/proc/modules's, and those with an initstate under ROOT/sys/module.
std::set<std::string> liveModuleNames(std::string_view root);

// The modalias of the device at DEVPATH ("/devices/...", or "/sys/devices/..."): its modalias
// file, else the MODALIAS= of its uevent file; nullopt when it has neither.
std::optional<std::string> readDeviceModalias(std::string_view root, std::string_view devpath);

// Where the kernel's firmware loader finds NAME for kernel VERSION, as the target system sees
// it: /lib/firmware/updates/VERSION, /lib/firmware/updates, /lib/firmware/VERSION,
// /lib/firmware, each also with .zst and .xz (compressed firmware); nullopt when none has it.
std::optional<std::string> findFirmware(std::string_view root, std::string_view version,
					const std::string &name);

} // namespace modloadd
