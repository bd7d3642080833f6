// Uevents as values: parsing the kernel's netlink messages and sysfs uevent files.
#pragma once

#include "base/module_name.h"
#include "base/result.h"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace modloadd {

struct Uevent {
	std::string action;    // "add", "remove", "change", "bind", ...
	std::string devpath;   // "/devices/pci0000:00/0000:00:03.0" (no /sys prefix)
	std::string subsystem; // SUBSYSTEM=
	std::string devtype;   // DEVTYPE=, may be empty
	std::string modalias;  // MODALIAS=, may be empty; validated (see validModalias)
	uint64_t seqnum = 0;   // SEQNUM= (0 for coldplug)
	// Every KEY=VALUE in order, values exactly as received (MODALIAS= may keep the kernel's
	// trailing newline; the `modalias` member never does).
	std::vector<std::pair<std::string, std::string>> properties;

	const std::string *property(std::string_view key) const; // nullptr when absent
	std::string_view kernelName() const;			 // last component of devpath
};

// Why a message was refused.
enum class UeventDrop { None, Malformed, BadModalias };

struct UeventRefusal {
	UeventDrop kind = UeventDrop::Malformed;
	std::string why; // a short reason: "duplicate SEQNUM", "bad MODALIAS (5000 bytes)"
};

// A message parsed, or why it was refused.
using ParsedUevent = Result<Uevent, UeventRefusal>;

// The longest modalias accepted: the longest lookup key (base/module_name.h). The kernel cannot
// produce more: a sysfs attribute is at most a 4 KiB page with its newline, and a uevent's whole
// environment is 2 KiB.
inline constexpr size_t kMaxModaliasLength = kMaxLookupLength;

// A kernel netlink message: "ACTION@DEVPATH\0KEY=VALUE\0...". Requires the header, NUL-separated
// fields, ACTION, DEVPATH and SEQNUM present, header consistent with ACTION/DEVPATH.
ParsedUevent parseKernelUevent(std::string_view message);

// The checks a uevent decoded elsewhere (udev's messages, by libudev) passes before use, as
// parseKernelUevent() applies them: an ACTION and a SEQNUM, a DEVPATH that stays under /sys
// (Malformed otherwise), then `modalias` (set from MODALIAS=; the cpu's newline is stripped)
// valid or empty (BadModalias otherwise).
ParsedUevent checkDecodedUevent(Uevent ev);

// A device's sysfs `uevent` file text (KEY=VALUE lines) for coldplug: action "add", seqnum 0.
// The properties are ACTION, DEVPATH, SUBSYSTEM (when known), then the file's lines, as in the
// kernel's own "add" message. An invalid MODALIAS= stays a property but not `modalias`.
Uevent ueventFromSysfs(std::string devpath, std::string subsystem, std::string_view ueventFileText);

// A modalias a device could really announce and libkmod can look up safely: 1 to
// kMaxModaliasLength characters, printable ASCII without space (0x21..0x7e), brackets balanced
// the way libkmod's alias normalisation accepts them. See uevent.cpp for why these bounds.
bool validModalias(std::string_view modalias);

} // namespace modloadd
