// What the sources ask for: a module name, alias or modalias, and where the ask came from.
#pragma once

#include <string>
#include <vector>

namespace modloadd {

struct Request {
	std::string name;   // as written: module name, alias ("fs-xfs") or modalias ("pci:v...")
	std::string origin; // "/etc/modules-load.d/x.conf:3", "kernel-cmdline", ...
	// A device's request: the device and the modalias it announced. Most devices need no
	// module, so a device request that resolves to nothing is not an error.
	std::string devpath = {}; // "/devices/pci0000:00/0000:00:03.0", empty for other sources
	std::string modalias = {};

	bool fromDevice() const { return !devpath.empty(); }
};

// A problem found in a configuration file. `message` reads as a complete sentence that
// ends with ", ignoring" when the line was skipped.
struct Diagnostic {
	std::string file;  // as the user knows it (without the --root prefix); empty for none
	unsigned line = 0; // 0 when it concerns the whole file
	std::string message;
};

using Diagnostics = std::vector<Diagnostic>;

} // namespace modloadd
