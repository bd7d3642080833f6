// One Condition*= line of a rule: which test, its value, and systemd's "|" and "!" prefixes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/comparisons.h"

namespace modloadd {

enum class ConditionType {
	// systemd's, with systemd's names and value syntax
	PathExists,
	PathExistsGlob,
	PathIsDirectory,
	DirectoryNotEmpty,
	FileNotEmpty,
	KernelCommandLine,
	KernelVersion,
	Virtualization,
	Architecture,
	Firmware,
	CPUFeature,
	Host,
	Memory,
	CPUs,
	// modloadd's own: the machine's firmware tables and the kernel's modules
	DMI,
	ModuleLoaded,
	// modloadd's own, about the devices present: re-tested whenever a device appears
	PCIDevice,
	USBDevice,
	Modalias,
};

struct Condition {
	ConditionType type = ConditionType::PathExists;
	bool trigger = false; // "|": one of the triggering conditions must hold
	bool negate = false;  // "!": the test must fail
	std::string value;    // after the prefixes, trimmed
	unsigned line = 0;    // in the rule file
};

// "ConditionPathExists" -> PathExists; nullopt for a key that names no condition.
std::optional<ConditionType> conditionTypeByName(std::string_view key);
// The key as written in files: PathExists -> "ConditionPathExists".
std::string_view conditionName(ConditionType type);
// Conditions about the devices present (PCIDevice, USBDevice, Modalias).
bool isDeviceCondition(ConditionType type);

// Parses the value of a Condition*= line: leading "|" then "!" (systemd's order), each at
// most once, then a value that must not be empty. Checks the value's syntax for TYPE; on a
// bad value returns nullopt and sets `expected` to what would have been right ("an absolute
// path", "a comparison such as >=5.10 or a glob", ...).
std::optional<Condition> parseCondition(ConditionType type, std::string_view rawValue,
					std::string &expected);

enum class FirmwareKind { Uefi, DeviceTree, DeviceTreeCompatible, SmbiosField };

struct FirmwareTest {
	FirmwareKind kind = FirmwareKind::Uefi;
	std::string argument;  // the compatible string, or the SMBIOS field (a dmi/id file name)
	Comparison comparison; // SmbiosField: how the field's value must compare
};

// ConditionFirmware=: uefi, device-tree, device-tree-compatible(VALUE) or
// smbios-field(FIELD OP VALUE) (systemd 253's syntax, which Debian's 252 has too).
std::optional<FirmwareTest> parseFirmwareValue(std::string_view value);

struct DmiMatch {
	std::string field; // a file of /sys/class/dmi/id
	std::string glob;
};

// ConditionDMI=: FIELD=GLOB, FIELD one of the text files of /sys/class/dmi/id.
std::optional<DmiMatch> parseDmiValue(std::string_view value);

} // namespace modloadd
