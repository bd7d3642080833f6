// The values of Condition*= lines other than comparisons: paths, words, names, ids, firmware.
#include "rules/condition_values.h"

#include <initializer_list>

#include "base/strings.h"
#include "base/words.h"
#include "system/architecture.h"
#include "system/fact_files.h"

namespace modloadd {

namespace {

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

} // namespace

std::optional<ConditionPath> parseConditionPath(std::string_view value)
{
	if (!isConditionPath(value))
		return std::nullopt;
	return ConditionPath{simplifyPath(value)};
}

std::optional<ConditionPath> parseConditionGlob(std::string_view value)
{
	if (braceExpansions(value) > kMaxGlobPatterns)
		return std::nullopt;
	return parseConditionPath(value);
}

std::optional<CommandLineWord> parseCommandLineWord(std::string_view value)
{
	if (value.empty() || hasSpace(value))
		return std::nullopt;
	return CommandLineWord{std::string(value), value.find('=') != std::string_view::npos};
}

std::optional<VirtualizationTest> parseVirtualizationValue(std::string_view value)
{
	using Kind = VirtualizationTest::Kind;
	if (auto b = parseBoolean(value))
		return VirtualizationTest{*b ? Kind::Any : Kind::None, {}};
	if (value == "vm")
		return VirtualizationTest{Kind::Vm, {}};
	if (value == "container")
		return VirtualizationTest{Kind::Container, {}};
	if (contains(kVirtualizationIds, value))
		return VirtualizationTest{Kind::Named, std::string(value)};
	return std::nullopt;
}

std::optional<ArchitectureName> parseArchitectureValue(std::string_view value)
{
	if (value == "native")
		return ArchitectureName{std::string(nativeArchitecture())};
	if (contains(kArchitectures, value))
		return ArchitectureName{std::string(value)};
	return std::nullopt;
}

std::optional<CpuFlag> parseCpuFeatureValue(std::string_view value)
{
	if (value.empty())
		return std::nullopt;
	for (char c : value)
		if (!isLower(c) && !isUpper(c) && !isDigit(c) && c != '_')
			return std::nullopt;
	std::string flag = asciiLower(value);
	// systemd names three flags its own way (its CPUID table); the kernel's names are the
	// others. Flags beyond systemd's table are false there; here they are read.
	if (flag == "pclmul")
		flag = "pclmulqdq";
	else if (flag == "fma3")
		flag = "fma";
	else if (flag == "osxsave")
		flag = "xsave"; // the kernel hides osxsave; it enables it with xsave
	return CpuFlag{std::move(flag)};
}

std::optional<HostMatch> parseHostValue(std::string_view value)
{
	if (value.empty() || hasSpace(value))
		return std::nullopt;
	if (auto id = parseId128(value))
		return HostMatch{std::move(id), {}};
	return HostMatch{std::nullopt, std::string(value)};
}

std::optional<ModuleName> parseModuleNameValue(std::string_view value)
{
	if (value.empty() || value.size() > kMaxModuleName)
		return std::nullopt;
	for (char c : value)
		if (!isLower(c) && !isUpper(c) && !isDigit(c) && c != '_' && c != '-')
			return std::nullopt;
	return ModuleName{std::string(value)};
}

std::optional<DeviceIdMatch> parsePciDeviceValue(std::string_view value)
{
	if (!isIdList(value, {4, 4, 6}, {4, 4, 1}))
		return std::nullopt;
	DeviceIdMatch m{split(asciiLower(value), ':', false)};
	if (m.parts.size() == 3 && m.parts[2].size() < 6 &&
	    m.parts[2].find_first_of("*?[") == std::string::npos)
		m.parts[2] += '*';
	return m;
}

std::optional<DeviceIdMatch> parseUsbDeviceValue(std::string_view value)
{
	if (!isIdList(value, {4, 4}, {4, 4}))
		return std::nullopt;
	return DeviceIdMatch{split(asciiLower(value), ':', false)};
}

std::optional<ModaliasGlob> parseModaliasValue(std::string_view value)
{
	if (value.empty() || value.size() > kMaxPath)
		return std::nullopt;
	for (char c : value)
		if (c <= ' ' || c >= 0x7f)
			return std::nullopt;
	return ModaliasGlob{std::string(value)};
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

} // namespace modloadd
