// One Condition*= line of a rule: which test, its value as written and as parsed, and systemd's
// "|" and "!" prefixes.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "rules/condition_values.h"

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
	// After the prefixes, trimmed (a path simplified): the value as written, for messages, the
	// journal and plans. testMachineCondition() and testDeviceCondition() never read it.
	std::string value;
	// What `value` asks, read once by parseCondition(): what those two test.
	ConditionValue parsed;
	unsigned line = 0; // in the rule file
};

// "ConditionPathExists" -> PathExists; nullopt for a key that names no condition.
std::optional<ConditionType> conditionTypeByName(std::string_view key);
// The key as written in files: PathExists -> "ConditionPathExists".
std::string_view conditionName(ConditionType type);
// Conditions about the devices present (PCIDevice, USBDevice, Modalias).
bool isDeviceCondition(ConditionType type);

// Parses the value of a Condition*= line: leading "|" then "!" (systemd's order), each at
// most once, then a value that must not be empty, read by TYPE's parser into `parsed`. On a
// bad value returns nullopt and sets `expected` to what would have been right ("an absolute
// path", "a comparison such as >=5.10 or a glob", ...).
std::optional<Condition> parseCondition(ConditionType type, std::string_view rawValue,
					std::string &expected);

} // namespace modloadd
