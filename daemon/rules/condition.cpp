// Condition*= keys and lines: the names of the types, systemd's "|" and "!" prefixes, and which
// parser reads the value of each type.
#include "rules/condition.h"

#include <array>
#include <cassert>

#include "base/strings.h"
#include "system/fact_files.h"

namespace modloadd {

namespace {

struct NamedType {
	ConditionType type;
	std::string_view name;
};

// In the order of the enum, so that conditionName() can index it.
constexpr std::array<NamedType, 19> kNames = {{
	{ConditionType::PathExists, "ConditionPathExists"},
	{ConditionType::PathExistsGlob, "ConditionPathExistsGlob"},
	{ConditionType::PathIsDirectory, "ConditionPathIsDirectory"},
	{ConditionType::DirectoryNotEmpty, "ConditionDirectoryNotEmpty"},
	{ConditionType::FileNotEmpty, "ConditionFileNotEmpty"},
	{ConditionType::KernelCommandLine, "ConditionKernelCommandLine"},
	{ConditionType::KernelVersion, "ConditionKernelVersion"},
	{ConditionType::Virtualization, "ConditionVirtualization"},
	{ConditionType::Architecture, "ConditionArchitecture"},
	{ConditionType::Firmware, "ConditionFirmware"},
	{ConditionType::CPUFeature, "ConditionCPUFeature"},
	{ConditionType::Host, "ConditionHost"},
	{ConditionType::Memory, "ConditionMemory"},
	{ConditionType::CPUs, "ConditionCPUs"},
	{ConditionType::DMI, "ConditionDMI"},
	{ConditionType::ModuleLoaded, "ConditionModuleLoaded"},
	{ConditionType::PCIDevice, "ConditionPCIDevice"},
	{ConditionType::USBDevice, "ConditionUSBDevice"},
	{ConditionType::Modalias, "ConditionModalias"},
}};

// `parsed`, when there is one, into `out`; else what was expected.
template <typename T>
std::optional<std::string_view> keep(std::optional<T> parsed, ConditionValue &out,
				     std::string_view expected)
{
	if (!parsed)
		return expected;
	out = std::move(*parsed);
	return std::nullopt;
}

// TYPE's parser on `value`, the result in `out`: nullopt when it read the value, else what
// was expected.
std::optional<std::string_view> parseValue(ConditionType type, std::string_view value,
					   ConditionValue &out)
{
	switch (type) {
	case ConditionType::PathExists:
	case ConditionType::PathIsDirectory:
	case ConditionType::DirectoryNotEmpty:
	case ConditionType::FileNotEmpty:
		return keep(parseConditionPath(value), out,
			    "an absolute, normalized path such as /etc/foo");
	case ConditionType::PathExistsGlob:
		static_assert(kMaxGlobPatterns == 64, "the message below names the bound");
		return keep(parseConditionGlob(value), out,
			    "an absolute, normalized path glob such as /dev/nvidia*, whose braces "
			    "expand to at most 64 patterns");
	case ConditionType::KernelCommandLine:
		return keep(parseCommandLineWord(value), out,
			    "a kernel command line word such as quiet or console=ttyS0");
	case ConditionType::KernelVersion:
		return keep(parseKernelVersionValue(value), out,
			    "comparisons such as >=5.10 <6.2, or a glob such as 6.1.*");
	case ConditionType::Virtualization:
		return keep(parseVirtualizationValue(value), out,
			    "a boolean, vm, container or a systemd-detect-virt id such as kvm or "
			    "docker");
	case ConditionType::Architecture:
		return keep(parseArchitectureValue(value), out,
			    "native or an architecture such as x86-64 or arm64");
	case ConditionType::Firmware:
		return keep(parseFirmwareValue(value), out,
			    "uefi, device-tree, device-tree-compatible(VALUE) or "
			    "smbios-field(FIELD OP VALUE)");
	case ConditionType::CPUFeature:
		return keep(parseCpuFeatureValue(value), out, "a CPU flag such as sse4_2");
	case ConditionType::Host:
		return keep(parseHostValue(value), out, "a hostname (a glob) or a machine ID");
	case ConditionType::Memory:
		return keep(parseMemoryValue(value), out,
			    "a size with an optional comparison, such as >=4G");
	case ConditionType::CPUs:
		return keep(parseCpusValue(value), out,
			    "a number of CPUs with an optional comparison, such as >=4");
	case ConditionType::DMI:
		return keep(
			parseDmiValue(value), out,
			"FIELD=GLOB, FIELD a text file of /sys/class/dmi/id such as sys_vendor");
	case ConditionType::ModuleLoaded:
		return keep(parseModuleNameValue(value), out, "a module name");
	case ConditionType::PCIDevice:
		return keep(parsePciDeviceValue(value), out,
			    "VENDOR[:DEVICE[:CLASS]] in hex, globs allowed, such as 10de:*:03*");
	case ConditionType::USBDevice:
		return keep(parseUsbDeviceValue(value), out,
			    "VENDOR[:PRODUCT] in hex, globs allowed, such as 046d:c52b");
	case ConditionType::Modalias:
		return keep(parseModaliasValue(value), out,
			    "a modalias glob such as pci:v000010DEd*");
	}
	return "a value";
}

} // namespace

std::optional<ConditionType> conditionTypeByName(std::string_view key)
{
	for (const NamedType &n : kNames)
		if (n.name == key)
			return n.type;
	return std::nullopt;
}

std::string_view conditionName(ConditionType type)
{
	size_t i = static_cast<size_t>(type);
	assert(i < kNames.size() && kNames[i].type == type);
	return kNames[i].name;
}

bool isDeviceCondition(ConditionType type)
{
	return type == ConditionType::PCIDevice || type == ConditionType::USBDevice ||
	       type == ConditionType::Modalias;
}

std::optional<Condition> parseCondition(ConditionType type, std::string_view rawValue,
					std::string &expected)
{
	// config_parse_unit_condition_*(): "|" first, then "!", each followed by optional
	// whitespace. systemd reads "!|x" as a negated "|x"; that is never what was meant.
	Condition c;
	c.type = type;
	std::string_view v = trim(rawValue);
	if (!v.empty() && v.front() == '|') {
		c.trigger = true;
		v = skipSpace(v.substr(1));
	}
	if (!v.empty() && v.front() == '!') {
		c.negate = true;
		v = skipSpace(v.substr(1));
	}
	if (!v.empty() && v.front() == '|') {
		expected = c.trigger ? "at most one '|'" : "'|' before '!', as in |!VALUE";
		return std::nullopt;
	}
	if (!v.empty() && v.front() == '!') {
		expected = "at most one '!'";
		return std::nullopt;
	}
	if (v.empty()) {
		expected = "a value after the prefixes";
		return std::nullopt;
	}
	if (auto why = parseValue(type, v, c.parsed)) {
		expected = *why;
		return std::nullopt;
	}
	// The path as systemd keeps it, also for display.
	if (const auto *path = std::get_if<ConditionPath>(&c.parsed))
		c.value = path->path;
	else
		c.value = v;
	return c;
}

} // namespace modloadd
