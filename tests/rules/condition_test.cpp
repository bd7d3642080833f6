// Tests for the condition vocabulary: names, systemd's prefixes and each type's value syntax.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "base/strings.h"
#include "rules/condition.h"

using namespace modloadd;

namespace {

constexpr ConditionType kAllTypes[] = {
	ConditionType::PathExists,
	ConditionType::PathExistsGlob,
	ConditionType::PathIsDirectory,
	ConditionType::DirectoryNotEmpty,
	ConditionType::FileNotEmpty,
	ConditionType::KernelCommandLine,
	ConditionType::KernelVersion,
	ConditionType::Virtualization,
	ConditionType::Architecture,
	ConditionType::Firmware,
	ConditionType::CPUFeature,
	ConditionType::Host,
	ConditionType::Memory,
	ConditionType::CPUs,
	ConditionType::DMI,
	ConditionType::ModuleLoaded,
	ConditionType::PCIDevice,
	ConditionType::USBDevice,
	ConditionType::Modalias,
};

bool accepts(ConditionType type, std::string_view value)
{
	std::string expected;
	return parseCondition(type, value, expected).has_value();
}

// Each good value must parse, each bad one must not and must say what was expected.
void checkValues(ConditionType type, const std::vector<std::string> &good,
		 const std::vector<std::string> &bad)
{
	for (const std::string &v : good) {
		INFO(conditionName(type) << "=" << v);
		CHECK(accepts(type, v));
	}
	for (const std::string &v : bad) {
		INFO(conditionName(type) << "=" << v);
		std::string expected;
		CHECK_FALSE(parseCondition(type, v, expected));
		CHECK_FALSE(expected.empty());
	}
}

} // namespace

TEST_CASE("given every condition type, we should find it again by its name", "[condition]")
{
	for (ConditionType type : kAllTypes) {
		std::string_view name = conditionName(type);
		INFO(name);
		CHECK(startsWith(name, "Condition"));
		auto back = conditionTypeByName(name);
		REQUIRE(back);
		CHECK(*back == type);
	}
	CHECK(conditionName(ConditionType::CPUFeature) == "ConditionCPUFeature");
	CHECK(conditionName(ConditionType::DMI) == "ConditionDMI");
	CHECK(conditionName(ConditionType::PCIDevice) == "ConditionPCIDevice");
}

TEST_CASE("given a key in the wrong case or no condition's, we should not find a type",
	  "[condition]")
{
	CHECK_FALSE(conditionTypeByName("conditionPathExists"));
	CHECK_FALSE(conditionTypeByName("ConditionPathexists"));
	CHECK_FALSE(conditionTypeByName("ConditionCpuFeature"));
	CHECK_FALSE(conditionTypeByName("PathExists"));
	CHECK_FALSE(conditionTypeByName("ConditionACPower"));
	CHECK_FALSE(conditionTypeByName("AssertPathExists"));
	CHECK_FALSE(conditionTypeByName(""));
}

TEST_CASE("given the types, we should call only PCIDevice, USBDevice and Modalias device "
	  "conditions",
	  "[condition]")
{
	for (ConditionType type : kAllTypes) {
		INFO(conditionName(type));
		bool device = type == ConditionType::PCIDevice ||
			      type == ConditionType::USBDevice || type == ConditionType::Modalias;
		CHECK(isDeviceCondition(type) == device);
	}
}

TEST_CASE("given the | and ! prefixes in systemd's order, we should set trigger and negate",
	  "[condition]")
{
	std::string expected;
	struct Case {
		std::string raw;
		bool trigger;
		bool negate;
	};
	for (const Case &k : std::vector<Case>{{"/etc", false, false},
					       {"|/etc", true, false},
					       {"!/etc", false, true},
					       {"|!/etc", true, true},
					       {"| ! /etc", true, true},
					       {"  |\t!  /etc  ", true, true},
					       {"! /etc", false, true}}) {
		INFO(k.raw);
		auto c = parseCondition(ConditionType::PathExists, k.raw, expected);
		REQUIRE(c);
		CHECK(c->type == ConditionType::PathExists);
		CHECK(c->trigger == k.trigger);
		CHECK(c->negate == k.negate);
		CHECK(c->value == "/etc");
	}
}

TEST_CASE("given a condition line, we should keep what its value asks, read once, beside the "
	  "value as written",
	  "[condition]")
{
	std::string expected;
	auto c = parseCondition(ConditionType::CPUFeature, "| PCLMUL", expected);
	REQUIRE(c);
	CHECK(c->value == "PCLMUL");
	const auto *flag = std::get_if<CpuFlag>(&c->parsed);
	REQUIRE(flag);
	CHECK(flag->flag == "pclmulqdq");

	c = parseCondition(ConditionType::KernelVersion, "!>=5.10 <6.2", expected);
	REQUIRE(c);
	CHECK(c->value == ">=5.10 <6.2");
	const auto *comparisons = std::get_if<std::vector<Comparison>>(&c->parsed);
	REQUIRE(comparisons);
	CHECK(comparisons->size() == 2);

	c = parseCondition(ConditionType::Memory, "<1.5G", expected);
	REQUIRE(c);
	const auto *amount = std::get_if<AmountComparison>(&c->parsed);
	REQUIRE(amount);
	CHECK(amount->op == CompareOp::Less);
	CHECK(amount->amount == (uint64_t{3} << 29));

	c = parseCondition(ConditionType::PCIDevice, "10DE:*:03", expected);
	REQUIRE(c);
	CHECK(c->value == "10DE:*:03");
	const auto *ids = std::get_if<DeviceIdMatch>(&c->parsed);
	REQUIRE(ids);
	CHECK(ids->parts == std::vector<std::string>{"10de", "*", "03*"});

	c = parseCondition(ConditionType::PathIsDirectory, "/etc/", expected);
	REQUIRE(c);
	const auto *path = std::get_if<ConditionPath>(&c->parsed);
	REQUIRE(path);
	CHECK(path->path == "/etc");

	// A Condition not made by parseCondition() asks nothing.
	CHECK(std::holds_alternative<std::monostate>(Condition{}.parsed));
}

TEST_CASE("given prefixes out of order, repeated or with nothing after them, we should refuse "
	  "the value",
	  "[condition]")
{
	for (std::string raw :
	     {"!|/etc", "||/etc", "!!/etc", "|!!/etc", "", "   ", "|", "!", "|!", "| ! "}) {
		INFO("'" << raw << "'");
		std::string expected;
		CHECK_FALSE(parseCondition(ConditionType::PathExists, raw, expected));
		CHECK_FALSE(expected.empty());
	}
	std::string expected;
	parseCondition(ConditionType::Host, "!|foo", expected);
	CHECK(expected.find("before") != std::string::npos);
}

TEST_CASE("given a value with surrounding whitespace, we should keep it trimmed", "[condition]")
{
	std::string expected;
	auto c = parseCondition(ConditionType::KernelCommandLine, " \tquiet \r", expected);
	REQUIRE(c);
	CHECK(c->value == "quiet");
	c = parseCondition(ConditionType::DMI, "sys_vendor = Dell Inc. ", expected);
	REQUIRE(c);
	CHECK(c->value == "sys_vendor = Dell Inc.");
}

TEST_CASE("given path conditions, we should want absolute normalized paths and simplify a "
	  "trailing slash away",
	  "[condition]")
{
	for (ConditionType type : {ConditionType::PathExists, ConditionType::PathIsDirectory,
				   ConditionType::DirectoryNotEmpty, ConditionType::FileNotEmpty}) {
		checkValues(type, {"/", "/etc", "/etc/", "/dev/nvidia0", "/a b/c", "/x.y/..z"},
			    {"etc", "./etc", "~/x", "/etc/../etc", "/etc/./x", "/etc//x", "/..",
			     "/" + std::string(256, 'a'), "/a" + std::string(4100, 'b')});
	}
	std::string expected;
	auto c = parseCondition(ConditionType::PathIsDirectory, "/etc/", expected);
	REQUIRE(c);
	CHECK(c->value == "/etc");
	c = parseCondition(ConditionType::PathExists, "/", expected);
	REQUIRE(c);
	CHECK(c->value == "/");
}

TEST_CASE("given PathExistsGlob, we should want an absolute glob", "[condition]")
{
	std::string braces6, braces22;
	for (int i = 0; i < 22; i++)
		(i < 6 ? braces6 : braces22) += "{a,b}";
	braces22 = braces6 + braces22;
	checkValues(ConditionType::PathExistsGlob,
		    {"/dev/nvidia*", "/sys/bus/pci/devices/*/driver", "/etc/{a,b}", "/dev/sd[a-c]",
		     "/dev/" + braces6},
		    {"dev/nvidia*", "*", "/dev/../nvidia*", "/dev/" + braces6 + "{c,d}",
		     "/dev/" + braces22});
}

TEST_CASE("given KernelCommandLine, we should want one word", "[condition]")
{
	checkValues(ConditionType::KernelCommandLine,
		    {"quiet", "console=ttyS0,115200", "rd.break", "--", "a=\"b\""},
		    {"quiet splash", "a\tb"});
}

TEST_CASE("given KernelVersion, we should take systemd 252's comparisons and globs", "[condition]")
{
	checkValues(ConditionType::KernelVersion,
		    {">=5.10", "<6.2", "=6.1.0-13-amd64", "!=6.1", "> 5.10", ">=5.10 <6.2", "6.1.*",
		     "*-amd64", "$=6.*", "!$=5.*", "<>6.1", "'>=5.10' '<7'", "\">= 5.10\"",
		     "  >=5.10   <6.2  "},
		    {">", ">=", ">= 5.10 < 6.2", ">=5.10 <", "'>=5.10", ">=5.10 \\"});
}

TEST_CASE("given KernelVersion with a leading !, we should read it as the negation prefix, as "
	  "systemd does",
	  "[condition]")
{
	std::string expected;
	auto c = parseCondition(ConditionType::KernelVersion, "!=5.10", expected);
	REQUIRE(c);
	CHECK(c->negate);
	CHECK(c->value == "=5.10");
	c = parseCondition(ConditionType::KernelVersion, "|!$=6.*", expected);
	REQUIRE(c);
	CHECK(c->trigger);
	CHECK(c->negate);
	CHECK(c->value == "$=6.*");
}

TEST_CASE("given Virtualization, we should take booleans, vm, container and "
	  "systemd-detect-virt's ids",
	  "[condition]")
{
	checkValues(
		ConditionType::Virtualization,
		{"yes",
		 "no",
		 "true",
		 "false",
		 "1",
		 "0",
		 "on",
		 "off",
		 "YES",
		 "vm",
		 "container",
		 "qemu",
		 "kvm",
		 "amazon",
		 "zvm",
		 "vmware",
		 "microsoft",
		 "oracle",
		 "powervm",
		 "xen",
		 "bochs",
		 "uml",
		 "parallels",
		 "bhyve",
		 "qnx",
		 "acrn",
		 "apple",
		 "sre",
		 "google",
		 "openvz",
		 "lxc",
		 "lxc-libvirt",
		 "systemd-nspawn",
		 "docker",
		 "podman",
		 "rkt",
		 "wsl",
		 "proot",
		 "pouch",
		 "vm-other",
		 "container-other"},
		{"none", "Docker", "KVM", "virtualbox", "hyperv", "private-users", "vm container"});
}

TEST_CASE("given Architecture, we should take systemd's names and native", "[condition]")
{
	checkValues(ConditionType::Architecture,
		    {"x86",	"x86-64",  "ppc",	  "ppc-le",   "ppc64",	   "ppc64-le",
		     "ia64",	"parisc",  "parisc64",	  "s390",     "s390x",	   "sparc",
		     "sparc64", "mips",	   "mips-le",	  "mips64",   "mips64-le", "alpha",
		     "arm",	"arm-be",  "arm64",	  "arm64-be", "sh",	   "sh64",
		     "m68k",	"tilegx",  "cris",	  "arc",      "arc-be",	   "nios2",
		     "riscv32", "riscv64", "loongarch64", "native"},
		    {"x86_64", "amd64", "aarch64", "i686", "X86-64", "arm64 x86-64"});
}

TEST_CASE("given Firmware, we should take uefi, device-tree and the two function forms",
	  "[condition]")
{
	checkValues(ConditionType::Firmware,
		    {"uefi", "device-tree", "device-tree-compatible(raspberrypi,4-model-b)",
		     "smbios-field(board_name = Z690)", "smbios-field(bios_vendor$=American*)",
		     "smbios-field(bios_version >= 1.2)", "smbios-field(sys_vendor!=\"Dell Inc.\")",
		     "smbios-field(product_name !$= *Virtual*)", "smbios-field(modalias$=dmi:*)"},
		    {"bios", "UEFI", "device-tree-compatible()", "device-tree-compatible(x",
		     "device-tree-compatible(x)y", "smbios-field(board_name)",
		     "smbios-field(board_name =)", "smbios-field(= x)",
		     "smbios-field(nosuchfield = x)", "smbios-field(board_name = a b)",
		     "smbios-field(../x = y)", "smbios-field board_name=x"});
}

TEST_CASE("given CPUFeature, we should take flag names in any case", "[condition]")
{
	checkValues(ConditionType::CPUFeature, {"sse4_2", "avx512f", "SSE2", "lm", "fma3"},
		    {"sse4.2", "avx-512", "sse2 avx", "a/b"});
}

TEST_CASE("given Host, we should take a hostname glob or a machine ID", "[condition]")
{
	checkValues(ConditionType::Host,
		    {"myhost", "web-*", "3d1219c7c4c5404aaa1f6d2a48adfda4",
		     "3d1219c7-c4c5-404a-aa1f-6d2a48adfda4"},
		    {"my host"});
}

TEST_CASE("given Memory, we should read sizes as systemd's parse_size() does", "[condition]")
{
	checkValues(ConditionType::Memory,
		    {"4G", ">=4G", "<1T", "=1024", "!=1K", "<>1M", "> 1G", "1.5G", "1G 512M",
		     "512B", "10.M", "0", "1E"},
		    {"4g", "4GB", "four", "4G 8G", "1K 1M", "-1G", ">", "$=4G", "16E", "1.5.5G",
		     ">= >= 4G"});
}

TEST_CASE("given CPUs, we should take an optional operator and a decimal count", "[condition]")
{
	checkValues(ConditionType::CPUs, {"1", ">=4", "<=128", "=2", "!=3", "<>3", "> 1", "0"},
		    {"four", "4.0", "-1", "04", "4 cores", ">", "4294967296", "$=4"});
}

TEST_CASE("given DMI, we should want a text field of /sys/class/dmi/id and a glob", "[condition]")
{
	checkValues(ConditionType::DMI,
		    {"sys_vendor=QEMU", "product_name=*ThinkPad*", "bios_vendor = SeaBIOS",
		     "board_name=Z690 AORUS*", "product_uuid=*", "chassis_type=10",
		     "ec_firmware_release=1.*"},
		    {"sys_vendor", "sys_vendor=", "=QEMU", "modalias=dmi:*", "vendor=QEMU",
		     "../sys_vendor=x", "uevent=x"});
}

TEST_CASE("given ModuleLoaded, we should want a module name", "[condition]")
{
	checkValues(ConditionType::ModuleLoaded,
		    {"nvidia", "snd-hda-intel", "snd_hda_intel", "i915", "x_tables",
		     std::string(55, 'm')},
		    {"nvidia.ko", "/lib/x", "pci:v*", "a b", std::string(56, 'm')});
}

TEST_CASE("given PCIDevice, we should want hex ids or globs of them", "[condition]")
{
	checkValues(ConditionType::PCIDevice,
		    {"10de", "10DE", "*", "10d?", "10de:*", "10de:1b80", "10de:*:03*",
		     "8086:a7a0:030000", "8086:*:0300", "10de:[12]b80", "10de:1b8?:03", "10de:*:*"},
		    {"10d", "10dee", "g0de", "10de:", ":1b80", "10de:1b80:0300000",
		     "10de:1b80:03:00", "10de:1b8", "10de:[x]b80", "10de:[1b80", "10de 1b80"});
}

TEST_CASE("given USBDevice, we should want a vendor and an optional product in hex", "[condition]")
{
	checkValues(ConditionType::USBDevice, {"046d", "046D:C52B", "046d:*", "*", "046?:c5*"},
		    {"046", "046d:c52b:01", "046d:", "zz6d", "046d c52b"});
}

TEST_CASE("given Modalias, we should want printable ASCII without whitespace", "[condition]")
{
	checkValues(ConditionType::Modalias,
		    {"pci:v000010DEd*", "usb:v046DpC52B*", "acpi*:PNP0A08:*",
		     "of:NgpioT(null)Cfoo,bar", std::string(4095, 'a')},
		    {"pci:v000010DE d*", "pci:\tx", "pci:\xc3\xa9", std::string(4096, 'a')});
}
