// What the value of a Condition*= line asks, read once: a type for each kind of value, the
// parser of each, and ConditionValue, the one a Condition keeps.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "rules/comparisons.h"

namespace modloadd {

// PathExists=, PathExistsGlob= (a glob), PathIsDirectory=, DirectoryNotEmpty=, FileNotEmpty=:
// absolute and normalized as systemd's config_parse_unit_condition_path() demands (no "//", no
// "." or ".." components, within the kernel's limits), simplified as systemd keeps it ("/etc/"
// -> "/etc").
struct ConditionPath {
	std::string path;
};
std::optional<ConditionPath> parseConditionPath(std::string_view value);
// PathExistsGlob=: such a path, as a glob whose braces expand to at most kMaxGlobPatterns
// patterns (system/fact_files.h), so that testing it costs a bounded number of walks.
std::optional<ConditionPath> parseConditionGlob(std::string_view value);

// KernelCommandLine=: one word; "a=b" asks for that exact word, "a" for "a" or any "a=...".
struct CommandLineWord {
	std::string word;
	bool exact = false; // the word has a '='
};
std::optional<CommandLineWord> parseCommandLineWord(std::string_view value);

// Virtualization=: a boolean (any virtualization or none), vm, container, or one of
// systemd-detect-virt's ids.
struct VirtualizationTest {
	enum class Kind { Any, None, Vm, Container, Named };
	Kind kind = Kind::Any;
	std::string name; // Named: "kvm", "docker", ...
};
std::optional<VirtualizationTest> parseVirtualizationValue(std::string_view value);

// Architecture=: one of systemd's names, "native" already turned into the one of this build.
struct ArchitectureName {
	std::string name;
};
std::optional<ArchitectureName> parseArchitectureValue(std::string_view value);

enum class FirmwareKind { Uefi, DeviceTree, DeviceTreeCompatible, SmbiosField };

struct FirmwareTest {
	FirmwareKind kind = FirmwareKind::Uefi;
	std::string argument;  // the compatible string, or the SMBIOS field (a dmi/id file name)
	Comparison comparison; // SmbiosField: how the field's value must compare
};

// ConditionFirmware=: uefi, device-tree, device-tree-compatible(VALUE) or
// smbios-field(FIELD OP VALUE) (systemd 253's syntax, which Debian's 252 has too).
std::optional<FirmwareTest> parseFirmwareValue(std::string_view value);

// CPUFeature=: a flag by the kernel's name in /proc/cpuinfo. systemd lowercases the name before
// looking it up, and names three flags its own way; both are undone here.
struct CpuFlag {
	std::string flag;
};
std::optional<CpuFlag> parseCpuFeatureValue(std::string_view value);

// Host=: a machine ID (either of sd_id128's forms), or else a hostname glob, matched without
// regard to case.
struct HostMatch {
	std::optional<std::string> machineId; // 32 lower-case hex digits
	std::string hostnameGlob;	      // when the value is no machine ID
};
std::optional<HostMatch> parseHostValue(std::string_view value);

struct DmiMatch {
	std::string field; // a file of /sys/class/dmi/id
	std::string glob;
};

// ConditionDMI=: FIELD=GLOB, FIELD one of the text files of /sys/class/dmi/id.
std::optional<DmiMatch> parseDmiValue(std::string_view value);

// ModuleLoaded=: a module name as written ('-' and '_' compare alike when tested).
struct ModuleName {
	std::string name;
};
std::optional<ModuleName> parseModuleNameValue(std::string_view value);

// PCIDevice= (VENDOR[:DEVICE[:CLASS]]) and USBDevice= (VENDOR[:PRODUCT]): hex ids or globs of
// them, in lower case. A PCI class shorter than its 6 digits and without glob characters names
// a prefix ("03" is every display controller), so it ends in '*' here.
struct DeviceIdMatch {
	std::vector<std::string> parts;
};
std::optional<DeviceIdMatch> parsePciDeviceValue(std::string_view value);
std::optional<DeviceIdMatch> parseUsbDeviceValue(std::string_view value);

// Modalias=: a glob of printable ASCII without whitespace.
struct ModaliasGlob {
	std::string glob;
};
std::optional<ModaliasGlob> parseModaliasValue(std::string_view value);

// What a condition asks, as parseCondition() read it: KernelVersion= keeps its comparisons,
// Memory= and CPUs= an AmountComparison, each other type the value type above of the same name.
// std::monostate for a Condition that parseCondition() did not make: it holds nothing.
using ConditionValue =
	std::variant<std::monostate, ConditionPath, CommandLineWord, std::vector<Comparison>,
		     VirtualizationTest, ArchitectureName, FirmwareTest, CpuFlag, HostMatch,
		     AmountComparison, DmiMatch, ModuleName, DeviceIdMatch, ModaliasGlob>;

} // namespace modloadd
