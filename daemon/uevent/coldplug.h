// Coldplug: the devices already in sysfs, as the "add" uevents the daemon missed or lost.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "uevent/uevent.h"

namespace modloadd {

// What a scan met besides devices.
struct ColdplugStats {
	uint64_t directories = 0; // directories visited
	uint64_t devices = 0;	  // uevents returned
	uint64_t unreadable = 0;  // a directory, uevent or modalias that could not be read, or a
				  // uevent/modalias that is not a regular file
	uint64_t badModalias =
		0;	      // devices whose MODALIAS validModalias() refused (kept, modalias "")
	uint64_t tooDeep = 0; // directories not entered: deeper than kMaxSysfsDepth
};

// Far deeper than any real device (a USB HID input node is about 14 levels down).
inline constexpr int kMaxSysfsDepth = 64;

// Every device under ROOT/sys/devices (symlinks never followed), as an "add" Uevent built from
// its `uevent` file; subsystem from the `subsystem` symlink's target basename; also devices
// whose only modalias is in a `modalias` file (the property MODALIAS= is then added). Unreadable
// entries skipped (counted). Sorted by devpath.
std::vector<Uevent> scanDevices(std::string_view root);
std::vector<Uevent> scanDevices(std::string_view root, ColdplugStats &stats);

// The same walk, handing each device over as it is found (in walk order, not sorted): on a
// slow machine the walk takes seconds, and the first devices need not wait for the last.
void scanDevices(std::string_view root, const std::function<void(Uevent &&)> &onDevice,
		 ColdplugStats &stats);

} // namespace modloadd
