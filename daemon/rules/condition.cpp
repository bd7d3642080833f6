// Condition*= keys and values: names, systemd's "|" and "!" prefixes, and each type's syntax.
#include "rules/condition.h"

#include <array>
#include <cassert>
#include <initializer_list>

#include "base/strings.h"
#include "base/words.h"

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

// systemd-detect-virt's ids (virt.c), plus "google" and "sre" of later systemd versions.
constexpr std::string_view kVirtualizationIds[] = {
	"qemu",	     "kvm",	    "amazon",	      "zvm",	  "vmware",
	"microsoft", "oracle",	    "powervm",	      "xen",	  "bochs",
	"uml",	     "parallels",   "bhyve",	      "qnx",	  "acrn",
	"apple",     "sre",	    "google",	      "vm-other", "openvz",
	"lxc",	     "lxc-libvirt", "systemd-nspawn", "docker",	  "podman",
	"rkt",	     "wsl",	    "proot",	      "pouch",	  "container-other",
};

// systemd's architecture names (architecture.c).
constexpr std::string_view kArchitectures[] = {
	"x86",	    "x86-64",	"ppc",	     "ppc-le",	"ppc64",       "ppc64-le", "ia64",
	"parisc",   "parisc64", "s390",	     "s390x",	"sparc",       "sparc64",  "mips",
	"mips-le",  "mips64",	"mips64-le", "alpha",	"arm",	       "arm-be",   "arm64",
	"arm64-be", "sh",	"sh64",	     "m68k",	"tilegx",      "cris",	   "arc",
	"arc-be",   "nios2",	"riscv32",   "riscv64", "loongarch64",
};

// The files of /sys/class/dmi/id that hold text (modalias, uevent, power/ and subsystem do not
// describe the machine).
constexpr std::string_view kDmiFields[] = {
	"bios_date",	   "bios_release",	"bios_vendor",	       "bios_version",
	"board_asset_tag", "board_name",	"board_serial",	       "board_vendor",
	"board_version",   "chassis_asset_tag", "chassis_serial",      "chassis_type",
	"chassis_vendor",  "chassis_version",	"ec_firmware_release", "product_family",
	"product_name",	   "product_serial",	"product_sku",	       "product_uuid",
	"product_version", "sys_vendor",
};

// The kernel's MODULE_NAME_LEN (64 - sizeof(unsigned long)) less the terminating NUL.
constexpr size_t kMaxModuleName = 55;
// PATH_MAX less the NUL; a modalias is a sysfs attribute, which cannot be longer either.
constexpr size_t kMaxPath = 4095;
constexpr size_t kMaxFileName = 255;

template <typename List> bool contains(const List &list, std::string_view s)
{
	for (std::string_view item : list)
		if (item == s)
			return true;
	return false;
}

bool isSpace(char c)
{
	return kWhitespace.find(c) != std::string_view::npos;
}
bool isDigit(char c)
{
	return c >= '0' && c <= '9';
}
bool isLower(char c)
{
	return c >= 'a' && c <= 'z';
}
bool isUpper(char c)
{
	return c >= 'A' && c <= 'Z';
}
bool isHex(char c)
{
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string_view skipSpace(std::string_view s)
{
	while (!s.empty() && isSpace(s.front()))
		s.remove_prefix(1);
	return s;
}

// The part of `value` inside NAME( ... ): the last ')' must end the value, as in systemd.
std::optional<std::string_view> insideParens(std::string_view value, std::string_view name)
{
	if (!startsWith(value, name) || value.size() <= name.size() || value[name.size()] != '(')
		return std::nullopt;
	std::string_view arg = value.substr(name.size() + 1);
	size_t close = arg.rfind(')');
	if (close == std::string_view::npos || close + 1 != arg.size())
		return std::nullopt;
	return arg.substr(0, close);
}

// Absolute and normalized, as systemd's config_parse_unit_condition_path() demands: no "//",
// no "." or ".." components, components and the whole within the kernel's limits.
bool isConditionPath(std::string_view path)
{
	if (path.empty() || path.front() != '/' || path.size() > kMaxPath)
		return false;
	if (path.find("//") != std::string_view::npos)
		return false;
	// A trailing '/' is fine ("/etc/").
	while (path.size() > 1 && path.back() == '/')
		path.remove_suffix(1);
	if (path.size() == 1)
		return true;
	for (const std::string &component : split(path.substr(1), '/', false))
		if (component.empty() || component == "." || component == ".." ||
		    component.size() > kMaxFileName)
			return false;
	return true;
}

// "/etc/" -> "/etc", as systemd's path_simplify() leaves a condition's path.
std::string simplifyPath(std::string_view path)
{
	while (path.size() > 1 && path.back() == '/')
		path.remove_suffix(1);
	return std::string(path);
}

// A PCI or USB id, or a glob of one: hex digits, '?', '[...]' (one position each) and '*'.
// Without '*' it spans minWidth to maxWidth positions; with it, at most maxWidth.
bool isHexGlob(std::string_view s, size_t minWidth, size_t maxWidth)
{
	size_t width = 0;
	bool star = false;
	for (size_t i = 0; i < s.size(); i++) {
		char c = s[i];
		if (c == '*') {
			star = true;
			continue;
		}
		if (c == '[') {
			size_t close = s.find(']', i + 1);
			if (close == std::string_view::npos || close == i + 1)
				return false;
			for (size_t j = i + 1; j < close; j++)
				if (!isHex(s[j]) && s[j] != '-' && !(j == i + 1 && s[j] == '!'))
					return false;
			i = close;
		} else if (!isHex(c) && c != '?') {
			return false;
		}
		width++;
	}
	if (star)
		return width <= maxWidth;
	return width >= minWidth && width <= maxWidth;
}

bool isIdList(std::string_view value, std::initializer_list<size_t> maxWidths,
	      std::initializer_list<size_t> minWidths)
{
	std::vector<std::string> parts = split(value, ':', false);
	if (parts.empty() || parts.size() > maxWidths.size())
		return false;
	for (size_t i = 0; i < parts.size(); i++)
		if (!isHexGlob(parts[i], minWidths.begin()[i], maxWidths.begin()[i]))
			return false;
	return true;
}

bool hasSpace(std::string_view s)
{
	for (char c : s)
		if (isSpace(c))
			return true;
	return false;
}

// The syntax check of one type: nullopt when `value` is fine, else what was expected.
// May rewrite `value` into the form systemd keeps (paths simplified).
std::optional<std::string_view> checkValue(ConditionType type, std::string &value)
{
	switch (type) {
	case ConditionType::PathExists:
	case ConditionType::PathIsDirectory:
	case ConditionType::DirectoryNotEmpty:
	case ConditionType::FileNotEmpty:
	case ConditionType::PathExistsGlob:
		if (!isConditionPath(value))
			return type == ConditionType::PathExistsGlob
				       ? "an absolute, normalized path glob such as /dev/nvidia*"
				       : "an absolute, normalized path such as /etc/foo";
		value = simplifyPath(value);
		return std::nullopt;

	case ConditionType::KernelCommandLine:
		if (hasSpace(value))
			return "a kernel command line word such as quiet or console=ttyS0";
		return std::nullopt;

	case ConditionType::KernelVersion:
		if (!parseKernelVersionValue(value))
			return "comparisons such as >=5.10 <6.2, or a glob such as 6.1.*";
		return std::nullopt;

	case ConditionType::Virtualization:
		if (parseBoolean(value) || value == "vm" || value == "container" ||
		    contains(kVirtualizationIds, value))
			return std::nullopt;
		return "a boolean, vm, container or a systemd-detect-virt id such as kvm or docker";

	case ConditionType::Architecture:
		if (value == "native" || contains(kArchitectures, value))
			return std::nullopt;
		return "native or an architecture such as x86-64 or arm64";

	case ConditionType::Firmware:
		if (!parseFirmwareValue(value))
			return "uefi, device-tree, device-tree-compatible(VALUE) or "
			       "smbios-field(FIELD OP VALUE)";
		return std::nullopt;

	case ConditionType::CPUFeature:
		// systemd lowercases the name before looking it up; so do we.
		for (char c : value)
			if (!isLower(c) && !isUpper(c) && !isDigit(c) && c != '_')
				return "a CPU flag such as sse4_2";
		return std::nullopt;

	case ConditionType::Host:
		if (hasSpace(value))
			return "a hostname (a glob) or a machine ID";
		return std::nullopt;

	case ConditionType::Memory:
		if (!parseMemoryValue(value))
			return "a size with an optional comparison, such as >=4G";
		return std::nullopt;

	case ConditionType::CPUs:
		if (!parseCpusValue(value))
			return "a number of CPUs with an optional comparison, such as >=4";
		return std::nullopt;

	case ConditionType::DMI:
		if (!parseDmiValue(value))
			return "FIELD=GLOB, FIELD a text file of /sys/class/dmi/id such as "
			       "sys_vendor";
		return std::nullopt;

	case ConditionType::ModuleLoaded:
		if (value.size() > kMaxModuleName)
			return "a module name";
		for (char c : value)
			if (!isLower(c) && !isUpper(c) && !isDigit(c) && c != '_' && c != '-')
				return "a module name";
		return std::nullopt;

	case ConditionType::PCIDevice:
		if (!isIdList(value, {4, 4, 6}, {4, 4, 1}))
			return "VENDOR[:DEVICE[:CLASS]] in hex, globs allowed, such as 10de:*:03*";
		return std::nullopt;

	case ConditionType::USBDevice:
		if (!isIdList(value, {4, 4}, {4, 4}))
			return "VENDOR[:PRODUCT] in hex, globs allowed, such as 046d:c52b";
		return std::nullopt;

	case ConditionType::Modalias:
		if (value.size() > kMaxPath)
			return "a modalias glob such as pci:v000010DEd*";
		for (char c : value)
			if (c <= ' ' || c >= 0x7f)
				return "a modalias glob such as pci:v000010DEd*";
		return std::nullopt;
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

std::optional<FirmwareTest> parseFirmwareValue(std::string_view value)
{
	FirmwareTest t;
	if (value == "uefi") {
		t.kind = FirmwareKind::Uefi;
		return t;
	}
	if (value == "device-tree") {
		t.kind = FirmwareKind::DeviceTree;
		return t;
	}
	if (auto arg = insideParens(value, "device-tree-compatible")) {
		if (arg->empty())
			return std::nullopt;
		t.kind = FirmwareKind::DeviceTreeCompatible;
		t.argument = *arg;
		return t;
	}
	auto arg = insideParens(value, "smbios-field");
	if (!arg)
		return std::nullopt;
	// FIELD up to the first operator character, trailing whitespace dropped; then the operator;
	// then exactly one (possibly quoted) word: condition_test_firmware_smbios_field().
	std::string_view expr = *arg;
	size_t opAt = expr.find_first_of("!<=>$");
	if (opAt == std::string_view::npos)
		return std::nullopt;
	std::string_view field = expr.substr(0, opAt);
	while (!field.empty() && isSpace(field.back()))
		field.remove_suffix(1);
	if (!contains(kDmiFields, field) && field != "modalias")
		return std::nullopt;
	expr.remove_prefix(opAt);
	auto op = takeOperator(expr, true);
	if (!op)
		return std::nullopt;
	std::string operand;
	if (extractWord(expr, operand, true, false) <= 0 || !expr.empty())
		return std::nullopt;
	t.kind = FirmwareKind::SmbiosField;
	t.argument = field;
	t.comparison = {*op, std::move(operand)};
	return t;
}

std::optional<DmiMatch> parseDmiValue(std::string_view value)
{
	size_t eq = value.find('=');
	if (eq == std::string_view::npos)
		return std::nullopt;
	std::string_view field = trim(value.substr(0, eq));
	std::string_view glob = trim(value.substr(eq + 1));
	if (!contains(kDmiFields, field) || glob.empty())
		return std::nullopt;
	return DmiMatch{std::string(field), std::string(glob)};
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
	c.value = v;
	if (auto why = checkValue(type, c.value)) {
		expected = *why;
		return std::nullopt;
	}
	return c;
}

} // namespace modloadd
