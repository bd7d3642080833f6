// Tests for the value parsers of daemon/rules/condition_values.h: what each value asks, as the
// tests of the conditions will read it.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "rules/condition_values.h"
#include "system/architecture.h"

using namespace modloadd;

using Strings = std::vector<std::string>;

TEST_CASE("given Firmware values, we should read the kind, its argument and the SMBIOS "
	  "comparison",
	  "[condition_values]")
{
	auto t = parseFirmwareValue("smbios-field(board_vendor = \"ASUSTeK COMPUTER INC.\")");
	REQUIRE(t);
	CHECK(t->kind == FirmwareKind::SmbiosField);
	CHECK(t->argument == "board_vendor");
	CHECK(t->comparison.op == CompareOp::StringEqual);
	CHECK(t->comparison.operand == "ASUSTeK COMPUTER INC.");

	t = parseFirmwareValue("device-tree-compatible(brcm,bcm2711)");
	REQUIRE(t);
	CHECK(t->kind == FirmwareKind::DeviceTreeCompatible);
	CHECK(t->argument == "brcm,bcm2711");
}

TEST_CASE("given DMI values, we should read the field and the glob, trimmed", "[condition_values]")
{
	auto d = parseDmiValue("board_vendor = ASUSTeK COMPUTER INC.");
	REQUIRE(d);
	CHECK(d->field == "board_vendor");
	CHECK(d->glob == "ASUSTeK COMPUTER INC.");
}

TEST_CASE("given paths, we should keep them as systemd's path_simplify() leaves them",
	  "[condition_values]")
{
	CHECK(parseConditionPath("/etc/")->path == "/etc");
	CHECK(parseConditionPath("/")->path == "/");
	CHECK(parseConditionPath("/dev/nvidia*")->path == "/dev/nvidia*");
	CHECK_FALSE(parseConditionPath("etc"));
	CHECK_FALSE(parseConditionPath("/etc//x"));
}

TEST_CASE("given command line words, we should tell an exact word from a key", "[condition_values]")
{
	auto w = parseCommandLineWord("console=ttyS0");
	REQUIRE(w);
	CHECK(w->word == "console=ttyS0");
	CHECK(w->exact);
	w = parseCommandLineWord("quiet");
	REQUIRE(w);
	CHECK(w->word == "quiet");
	CHECK_FALSE(w->exact);
	CHECK_FALSE(parseCommandLineWord("quiet splash"));
}

TEST_CASE("given Virtualization values, we should read booleans, vm, container and ids",
	  "[condition_values]")
{
	using Kind = VirtualizationTest::Kind;
	CHECK(parseVirtualizationValue("yes")->kind == Kind::Any);
	CHECK(parseVirtualizationValue("OFF")->kind == Kind::None);
	CHECK(parseVirtualizationValue("vm")->kind == Kind::Vm);
	CHECK(parseVirtualizationValue("container")->kind == Kind::Container);
	auto named = parseVirtualizationValue("microsoft");
	REQUIRE(named);
	CHECK(named->kind == Kind::Named);
	CHECK(named->name == "microsoft");
	CHECK_FALSE(parseVirtualizationValue("hyperv"));
}

TEST_CASE("given Architecture values, we should take native as this build's architecture",
	  "[condition_values]")
{
	CHECK(parseArchitectureValue("native")->name == nativeArchitecture());
	CHECK(parseArchitectureValue("arm64")->name == "arm64");
	CHECK_FALSE(parseArchitectureValue("aarch64"));
}

TEST_CASE("given CPUFeature values, we should ask for the kernel's name of the flag",
	  "[condition_values]")
{
	CHECK(parseCpuFeatureValue("SSE4_2")->flag == "sse4_2");
	CHECK(parseCpuFeatureValue("pclmul")->flag == "pclmulqdq");
	CHECK(parseCpuFeatureValue("FMA3")->flag == "fma");
	CHECK(parseCpuFeatureValue("osxsave")->flag == "xsave");
	CHECK_FALSE(parseCpuFeatureValue("sse4.2"));
}

TEST_CASE("given Host values, we should read a machine ID in either form, or else keep a glob",
	  "[condition_values]")
{
	auto h = parseHostValue("3D1219C7-C4C5-404A-AA1F-6D2A48ADFDA4");
	REQUIRE(h);
	CHECK(h->machineId == "3d1219c7c4c5404aaa1f6d2a48adfda4");
	h = parseHostValue("web-*");
	REQUIRE(h);
	CHECK_FALSE(h->machineId);
	CHECK(h->hostnameGlob == "web-*");
	CHECK_FALSE(parseHostValue("my host"));
}

TEST_CASE("given device ids, we should read them in lower case, a short PCI class as a prefix",
	  "[condition_values]")
{
	CHECK(parsePciDeviceValue("10DE")->parts == Strings{"10de"});
	CHECK(parsePciDeviceValue("10de:*:03")->parts == Strings{"10de", "*", "03*"});
	CHECK(parsePciDeviceValue("10de:*:0302")->parts == Strings{"10de", "*", "0302*"});
	CHECK(parsePciDeviceValue("10de:*:030000")->parts == Strings{"10de", "*", "030000"});
	CHECK(parsePciDeviceValue("10de:*:03?")->parts == Strings{"10de", "*", "03?"});
	CHECK(parseUsbDeviceValue("046D:C52B")->parts == Strings{"046d", "c52b"});
	CHECK_FALSE(parsePciDeviceValue("10de:"));
	CHECK_FALSE(parseUsbDeviceValue("046d:c52b:01"));
}

TEST_CASE("given module names and modaliases, we should keep them as written", "[condition_values]")
{
	CHECK(parseModuleNameValue("snd-hda-intel")->name == "snd-hda-intel");
	CHECK_FALSE(parseModuleNameValue("nvidia.ko"));
	CHECK(parseModaliasValue("pci:v000010DEd*")->glob == "pci:v000010DEd*");
	CHECK_FALSE(parseModaliasValue("pci:v000010DE d*"));
}
