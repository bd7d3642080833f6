// Tests for the kernel uevent parser, checkDecodedUevent() and validModalias(), on messages
// captured from a real kernel.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>

#include "uevent/uevent.h"
#include "uevent_test_support.h"

using namespace modloadd;
using modloadd::testing::fixtureMessage;

namespace {

// The cpu's modalias in the captures (and on the machine they were captured on): 643 bytes.
const std::string kCpuModalias =
	"cpu:type:x86,ven0000fam0006mod0055:feature:,0000,0001,0002,0003,0004,0005,0006,0007,0008,"
	"0009,000B,000C,000D,000E,000F,0010,0011,0013,0017,0018,0019,001A,001B,001C,002B,0034,003A,"
	"003B,003D,0068,006F,0070,0074,0075,0076,0078,0079,007F,0080,0081,0089,008C,008D,0091,0093,"
	"0094,0095,0096,0097,0098,0099,009A,009B,009C,009D,009E,009F,00C0,00C5,00C8,00E1,00EA,00F0,"
	"00F1,00F9,00FA,00FB,00FE,00FF,0114,0115,0120,0121,0123,0125,0126,0127,0128,0129,012A,012D,"
	"012E,0130,0131,0132,0133,0134,0137,0138,013C,013E,013F,0140,0141,0142,0143,0164,0165,016E,"
	"0171,0174,017B,01AC,01AE,01AF,01B8,01C2,0202,0203,0204,020B,024A,025A,025B,025C,025D,025F,"
	"0282,02A8,02AA";

struct Captured {
	const char *fixture;
	const char *action;
	const char *devpath;
	const char *subsystem;
	const char *devtype;
	std::string modalias;
	uint64_t seqnum;
	size_t properties;
};

const std::vector<Captured> kCaptured = {
	{"pci-change", "change", "/devices/pci0000:00/0000:00:03.0", "pci", "",
	 "pci:v00001AF4d00001041sv00001AF4sd00001041bc02sc00i00", 818, 11},
	{"virtio-change", "change", "/devices/pci0000:00/0000:00:03.0/virtio2", "virtio", "",
	 "virtio:d00000001v00001AF4", 819, 7},
	{"platform-add", "add", "/devices/platform/pcspkr", "platform", "", "platform:pcspkr", 820,
	 6},
	{"cpu-add", "add", "/devices/system/cpu/cpu0", "cpu", "", kCpuModalias, 821, 6},
	{"acpi-change", "change", "/devices/LNXSYSTM:00/LNXSYBUS:00/PNP0A08:00", "acpi", "",
	 "acpi:PNP0A08:PNP0A03:", 822, 6},
	{"tty-change", "change", "/devices/pnp0/00:00/00:00:0/00:00:0.0/tty/ttyS0", "tty", "", "",
	 823, 8},
	{"block-change", "change", "/devices/pci0000:00/0000:00:02.0/virtio1/block/vda", "block",
	 "disk", "", 824, 10},
	{"net-change", "change", "/devices/virtual/net/lo", "net", "", "", 825, 7},
	{"pnp-change", "change", "/devices/pnp0/00:00", "pnp", "", "", 826, 6},
	{"memory-change", "change", "/devices/system/memory/memory0", "memory", "", "", 827, 5},
};

// The parse result as the drop class and reason (None and empty when accepted), and the event.
std::optional<Uevent> asOptional(ParsedUevent parsed, UeventDrop &drop, std::string &why)
{
	drop = parsed ? UeventDrop::None : parsed.error().kind;
	why = parsed ? "" : parsed.error().why;
	if (!parsed)
		return std::nullopt;
	return std::move(*parsed);
}

std::optional<Uevent> parseKernel(std::string_view message, UeventDrop &drop, std::string &why)
{
	return asOptional(parseKernelUevent(message), drop, why);
}

// Refused as `expected`, with a reason.
void checkRefused(std::string_view message, UeventDrop expected)
{
	UeventDrop drop = UeventDrop::None;
	std::string why;
	auto ev = parseKernel(message, drop, why);
	CHECK_FALSE(ev);
	CHECK(drop == expected);
	CHECK_FALSE(why.empty());
}

// A kernel message from its fields: header, then each KEY=VALUE, each NUL-terminated.
std::string kernelMessage(const std::vector<std::string> &fields)
{
	std::string m;
	for (const std::string &f : fields) {
		m += f;
		m += '\0';
	}
	return m;
}

// The pcspkr capture rebuilt with one field replaced (or removed when `value` is nullopt).
std::string platformWith(std::string_view key, std::optional<std::string> value,
			 std::string header = "add@/devices/platform/pcspkr")
{
	std::vector<std::pair<std::string, std::string>> fields = {
		{"ACTION", "add"},
		{"DEVPATH", "/devices/platform/pcspkr"},
		{"SUBSYSTEM", "platform"},
		{"SYNTH_UUID", "0"},
		{"MODALIAS", "platform:pcspkr"},
		{"SEQNUM", "820"},
	};
	std::vector<std::string> out = {std::move(header)};
	for (auto &[k, v] : fields) {
		if (k != key)
			out.push_back(k + "=" + v);
		else if (value)
			out.push_back(k + "=" + *value);
	}
	return kernelMessage(out);
}

} // namespace

TEST_CASE("given each captured kernel message, we should extract its fields", "[uevent]")
{
	for (const Captured &c : kCaptured) {
		INFO(c.fixture);
		std::string message = fixtureMessage(c.fixture);
		UeventDrop drop = UeventDrop::Malformed;
		std::string why = "stale";
		auto ev = parseKernel(message, drop, why);
		REQUIRE(ev);
		CHECK(drop == UeventDrop::None);
		CHECK(why.empty());
		CHECK(ev->action == c.action);
		CHECK(ev->devpath == c.devpath);
		CHECK(ev->subsystem == c.subsystem);
		CHECK(ev->devtype == c.devtype);
		CHECK(ev->modalias == c.modalias);
		CHECK(ev->seqnum == c.seqnum);
		REQUIRE(ev->properties.size() == c.properties);
		// In the kernel's order: what it adds itself first, SEQNUM last.
		CHECK(ev->properties.front() ==
		      std::pair<std::string, std::string>{"ACTION", c.action});
		CHECK(ev->properties[1] ==
		      std::pair<std::string, std::string>{"DEVPATH", c.devpath});
		CHECK(ev->properties[2] ==
		      std::pair<std::string, std::string>{"SUBSYSTEM", c.subsystem});
		CHECK(ev->properties.back() ==
		      std::pair<std::string, std::string>{"SEQNUM", std::to_string(c.seqnum)});
		// Written to the uevent file, so the kernel marks them synthetic.
		REQUIRE(ev->property("SYNTH_UUID"));
		CHECK(*ev->property("SYNTH_UUID") == "0");
		CHECK(ev->property("NO_SUCH_KEY") == nullptr);
		std::string_view devpath = c.devpath;
		CHECK(ev->kernelName() == devpath.substr(devpath.rfind('/') + 1));
	}
}

TEST_CASE("given the other keys of captured messages, we should keep their values", "[uevent]")
{
	UeventDrop drop;
	std::string why;
	auto block = parseKernel(fixtureMessage("block-change"), drop, why);
	REQUIRE(block);
	CHECK(*block->property("DEVNAME") == "vda");
	CHECK(*block->property("MAJOR") == "254");
	CHECK(*block->property("DISKSEQ") == "9");
	auto pci = parseKernel(fixtureMessage("pci-change"), drop, why);
	REQUIRE(pci);
	CHECK(*pci->property("DRIVER") == "virtio-pci");
	CHECK(*pci->property("PCI_SLOT_NAME") == "0000:00:03.0");
	auto net = parseKernel(fixtureMessage("net-change"), drop, why);
	REQUIRE(net);
	CHECK(*net->property("INTERFACE") == "lo");
	CHECK(net->kernelName() == "lo");
}

TEST_CASE("given the cpu's MODALIAS with the kernel's newline, we should strip it from modalias "
	  "only",
	  "[uevent]")
{
	UeventDrop drop;
	std::string why;
	auto ev = parseKernel(fixtureMessage("cpu-add"), drop, why);
	REQUIRE(ev);
	REQUIRE(ev->property("MODALIAS"));
	CHECK(*ev->property("MODALIAS") == kCpuModalias + "\n");
	CHECK(ev->modalias == kCpuModalias);
	CHECK(ev->modalias.size() == 643);
}

TEST_CASE("given messages without their frame, we should refuse them as malformed", "[uevent]")
{
	checkRefused("", UeventDrop::Malformed);
	checkRefused(std::string_view("\0", 1), UeventDrop::Malformed);
	// no '@' in the header
	checkRefused(platformWith("", std::nullopt, "add/devices/platform/pcspkr"),
		     UeventDrop::Malformed);
	// no NUL at all: fields separated some other way
	std::string spaced = platformWith("", std::nullopt);
	std::replace(spaced.begin(), spaced.end(), '\0', ' ');
	checkRefused(spaced, UeventDrop::Malformed);
	// an empty field in the middle
	std::string doubled = platformWith("", std::nullopt);
	doubled.insert(doubled.find('\0'), 1, '\0');
	checkRefused(doubled, UeventDrop::Malformed);
	// a field that is not KEY=VALUE, and one with an empty key
	checkRefused(kernelMessage({"add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "JUNK",
				    "SEQNUM=1"}),
		     UeventDrop::Malformed);
	checkRefused(kernelMessage({"add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "=v",
				    "SEQNUM=1"}),
		     UeventDrop::Malformed);
	// the minimal message the kernel could send is fine
	UeventDrop drop;
	std::string why;
	CHECK(parseKernel(
		kernelMessage({"add@/devices/x", "ACTION=add", "DEVPATH=/devices/x", "SEQNUM=1"}),
		drop, why));
}

TEST_CASE("given a message without ACTION, DEVPATH or SEQNUM, we should refuse it", "[uevent]")
{
	for (const char *key : {"ACTION", "DEVPATH", "SEQNUM"}) {
		INFO(key);
		checkRefused(platformWith(key, std::nullopt), UeventDrop::Malformed);
		checkRefused(platformWith("", std::nullopt) + key + "=x" + std::string(1, '\0'),
			     UeventDrop::Malformed); // twice
	}
	checkRefused(platformWith("ACTION", ""), UeventDrop::Malformed);
	for (const char *seqnum : {"", "abc", "12a", "-1", "+1", "0", "99999999999999999999999"}) {
		INFO(seqnum);
		checkRefused(platformWith("SEQNUM", seqnum), UeventDrop::Malformed);
	}
	UeventDrop drop;
	std::string why;
	auto max = parseKernel(platformWith("SEQNUM", "18446744073709551615"), drop, why);
	REQUIRE(max);
	CHECK(max->seqnum == UINT64_MAX);
}

TEST_CASE("given a header that disagrees with ACTION or DEVPATH, we should refuse it", "[uevent]")
{
	checkRefused(platformWith("", std::nullopt, "remove@/devices/platform/pcspkr"),
		     UeventDrop::Malformed);
	checkRefused(platformWith("", std::nullopt, "add@/devices/platform/other"),
		     UeventDrop::Malformed);
	checkRefused(platformWith("", std::nullopt, "add@"), UeventDrop::Malformed);
	checkRefused(platformWith("", std::nullopt, "@/devices/platform/pcspkr"),
		     UeventDrop::Malformed);
}

TEST_CASE("given a DEVPATH that leaves /sys, we should refuse it", "[uevent]")
{
	for (std::string devpath : {"devices/x", "/", "/devices/../../etc", "/devices/./x",
				    "/devices//x", "/devices/x/", "/devices/a\nb"}) {
		INFO(devpath);
		checkRefused(kernelMessage({"add@" + devpath, "ACTION=add", "DEVPATH=" + devpath,
					    "SEQNUM=5"}),
			     UeventDrop::Malformed);
	}
}

TEST_CASE("given every captured message cut short, we should refuse each cut", "[uevent]")
{
	for (const Captured &c : kCaptured) {
		std::string message = fixtureMessage(c.fixture);
		for (size_t len = 0; len < message.size(); len++) {
			UeventDrop drop;
			std::string why;
			auto ev = parseKernel(std::string_view(message).substr(0, len), drop, why);
			if (ev)
				FAIL(c.fixture << " accepted when cut to " << len << " bytes");
			CHECK(drop == UeventDrop::Malformed);
		}
	}
}

TEST_CASE("given random bytes, we should refuse them without crashing", "[uevent]")
{
	std::mt19937 rng(20261122);
	std::uniform_int_distribution<int> byte(0, 255);
	std::uniform_int_distribution<size_t> length(0, 3000);
	const std::string base = fixtureMessage("pci-change");
	for (int i = 0; i < 20000; i++) {
		std::string message;
		if (i % 2 == 0) {
			message.resize(length(rng));
			for (char &ch : message)
				ch = static_cast<char>(byte(rng));
		} else {
			// the real thing with a few bytes flipped: closer to what could get through
			message = base;
			for (int k = 0; k < 3; k++)
				message[length(rng) % message.size()] =
					static_cast<char>(byte(rng));
		}
		UeventDrop drop;
		std::string why;
		auto ev = parseKernel(message, drop, why);
		if (ev) {
			// A flip inside a value we do not check can leave a valid message.
			CHECK(drop == UeventDrop::None);
			CHECK(validModalias(ev->modalias) == !ev->modalias.empty());
		} else {
			CHECK(drop != UeventDrop::None);
		}
	}
}

TEST_CASE("given a huge or bracketed MODALIAS, we should refuse it as a bad modalias", "[uevent]")
{
	checkRefused(platformWith("MODALIAS", "platform:" + std::string(100 * 1024, 'a')),
		     UeventDrop::BadModalias);
	// The shape that overflows libkmod's alias normalisation: a bracket expression longer
	// than PATH_MAX.
	checkRefused(platformWith("MODALIAS", "dmi:[" + std::string(5000, 'a') + "]"),
		     UeventDrop::BadModalias);
	checkRefused(platformWith("MODALIAS", "dmi:bvn[x"), UeventDrop::BadModalias);
	checkRefused(platformWith("MODALIAS", "dmi:bvnx]"), UeventDrop::BadModalias);
	checkRefused(platformWith("MODALIAS", "platform:two words"), UeventDrop::BadModalias);
	checkRefused(platformWith("MODALIAS", "platform:tab\there"), UeventDrop::BadModalias);
	checkRefused(platformWith("MODALIAS", "platform:caf\xc3\xa9"), UeventDrop::BadModalias);
	checkRefused(platformWith("MODALIAS", "platform:a\nb"), UeventDrop::BadModalias);
	// Structure is judged first: a malformed message is malformed whatever its modalias.
	checkRefused(platformWith("SEQNUM", std::nullopt) + "MODALIAS=a b" + std::string(1, '\0'),
		     UeventDrop::Malformed);

	UeventDrop drop;
	std::string why;
	// Balanced brackets, as a DMI firmware string may carry, are kept.
	auto dmi = parseKernel(platformWith("MODALIAS", "dmi:bvnVendor:pvr[Default]:"), drop, why);
	REQUIRE(dmi);
	CHECK(dmi->modalias == "dmi:bvnVendor:pvr[Default]:");
	// An empty MODALIAS= is no modalias, not a bad one.
	auto empty = parseKernel(platformWith("MODALIAS", ""), drop, why);
	REQUIRE(empty);
	CHECK(empty->modalias.empty());
	REQUIRE(empty->property("MODALIAS"));
}

TEST_CASE("given a uevent decoded elsewhere, we should check it as a kernel message is checked",
	  "[uevent]")
{
	auto decoded = [] {
		Uevent ev;
		ev.action = "add";
		ev.devpath = "/devices/platform/pcspkr";
		ev.subsystem = "platform";
		ev.seqnum = 820;
		ev.modalias = "platform:pcspkr";
		return ev;
	};
	auto refused = [&](auto change, UeventDrop expected) {
		Uevent ev = decoded();
		change(ev);
		auto checked = checkDecodedUevent(std::move(ev));
		REQUIRE_FALSE(checked);
		CHECK(checked.error().kind == expected);
		CHECK_FALSE(checked.error().why.empty());
	};
	auto good = checkDecodedUevent(decoded());
	REQUIRE(good);
	CHECK(good->modalias == "platform:pcspkr");

	refused([](Uevent &ev) { ev.action.clear(); }, UeventDrop::Malformed);
	refused([](Uevent &ev) { ev.seqnum = 0; }, UeventDrop::Malformed);
	refused([](Uevent &ev) { ev.devpath.clear(); }, UeventDrop::Malformed);
	refused([](Uevent &ev) { ev.devpath = "/devices/../../etc"; }, UeventDrop::Malformed);
	refused([](Uevent &ev) { ev.devpath = "/devices//platform"; }, UeventDrop::Malformed);
	refused([](Uevent &ev) { ev.modalias = "dmi:bvn[x"; }, UeventDrop::BadModalias);
	refused([](Uevent &ev) { ev.modalias = "platform:two words"; }, UeventDrop::BadModalias);
	// Structure first: a malformed uevent is malformed whatever its modalias.
	refused(
		[](Uevent &ev) {
			ev.seqnum = 0;
			ev.modalias = "a b";
		},
		UeventDrop::Malformed);

	// The cpu's newline is no part of the modalias; no modalias is not a bad one.
	Uevent cpu = decoded();
	cpu.modalias = kCpuModalias + "\n";
	auto checkedCpu = checkDecodedUevent(std::move(cpu));
	REQUIRE(checkedCpu);
	CHECK(checkedCpu->modalias == kCpuModalias);
	Uevent none = decoded();
	none.modalias.clear();
	CHECK(checkDecodedUevent(std::move(none)));
}

TEST_CASE("given a sysfs uevent file, we should build an add event for coldplug", "[uevent]")
{
	Uevent ev = ueventFromSysfs("/devices/system/cpu/cpu0", "cpu",
				    "MODALIAS=" + kCpuModalias + "\n\n");
	CHECK(ev.action == "add");
	CHECK(ev.seqnum == 0);
	CHECK(ev.devpath == "/devices/system/cpu/cpu0");
	CHECK(ev.subsystem == "cpu");
	CHECK(ev.modalias == kCpuModalias);
	CHECK(ev.kernelName() == "cpu0");
	using P = std::pair<std::string, std::string>;
	CHECK(ev.properties == std::vector<P>{{"ACTION", "add"},
					      {"DEVPATH", "/devices/system/cpu/cpu0"},
					      {"SUBSYSTEM", "cpu"},
					      {"MODALIAS", kCpuModalias}});

	Uevent disk = ueventFromSysfs("/devices/virtual/block/loop0", "block",
				      "MAJOR=7\nMINOR=0\nDEVNAME=loop0\nDEVTYPE=disk\nDISKSEQ=1\n");
	CHECK(disk.devtype == "disk");
	CHECK(disk.modalias.empty());
	CHECK(*disk.property("DEVNAME") == "loop0");
	CHECK(disk.properties.size() == 8);

	// No subsystem link: no SUBSYSTEM property. Junk lines are skipped; a bad modalias
	// stays a property only.
	Uevent odd = ueventFromSysfs("/devices/odd", "", "junk\n=x\nMODALIAS=a b\nNO_NEWLINE=1");
	CHECK(odd.subsystem.empty());
	CHECK(odd.property("SUBSYSTEM") == nullptr);
	CHECK(odd.modalias.empty());
	CHECK(*odd.property("MODALIAS") == "a b");
	CHECK(*odd.property("NO_NEWLINE") == "1");
}

TEST_CASE("given real modalias formats, we should accept each", "[validModalias]")
{
	const std::vector<std::string> real = {
		"pci:v00001AF4d00001041sv00001AF4sd00001041bc02sc00i00",
		"pci:v00008086d00000D57sv00000000sd00000000bc06sc00i00",
		"usb:v1D6Bp0002d0515dc09dsc00dp01ic09isc00ip00in00",
		"usb:v046DpC52Bd1211dc00dsc00dp00ic03isc01ip01in00",
		"acpi:PNP0A08:PNP0A03:",
		"acpi:VMGENCTR:VM_GEN_COUNTER:",
		"acpi:ACPI0013:",
		"of:NserialT(null)Cns16550a",
		"of:NserialT<NULL>Csnps,dw-apb-uartCns16550a",
		"of:Nethernet@ff540000TethernetCrockchip,rk3288-gmacCsnps,dwmac",
		"dmi:bvnAmazonEC2:bvr1.0:bd10/16/"
		"2017:br1.0:svnAmazonEC2:pnm5.large:pvr:rvnAmazonEC2:"
		"rn:rvr:cvnAmazonEC2:ct1:cvr:sku:",
		"dmi:bvnLENOVO:bvrN1EET62W(1.35):bd11/10/"
		"2016:svnLENOVO:pn20FXS0BB14:pvrThinkPadT460p:",
		"dmi:bvnAmericanMegatrendsInc.:bvr[Default]:svnToBeFilledByO.E.M.:",
		"virtio:d00000001v00001AF4",
		"platform:serial8250",
		"platform:regulatory",
		"hid:b0003g0001v0000046Dp0000C52B",
		"input:b0011v0001p0001eAB41-e0,1,4,11,14,k71,72,73,74,75,76,77,79,7A,7B,7C,7D,7E,"
		"7F,80,"
		"8C,8E,8F,9B,9C,9D,9E,9F,A3,A4,A5,A6,AC,AD,B7,B8,B9,D9,E2,ram4,l0,1,2,sfw",
		kCpuModalias,
		"scsi:t-0x00",
		"serio:ty06pr00id00ex00",
		"i2c:elan_i2c",
		"spi:spidev",
		"hdaudio:v10EC0269r00100202a01",
		"wmi:05901221-D566-11D1-B2F0-00A0C9062910",
		"sdio:c00v02D0d4330",
		"mdio:00000000000100100111110100001111",
		"vmbus:f8615163df3e46c5913ff2d2f965ed0e",
		"xen:vbd",
		"cpu:type:x86,ven0000fam0006mod0055:feature:,0000,0001",
		"auxiliary:mlx5_core.eth",
		"nd:t7",
	};
	for (const std::string &m : real) {
		INFO(m);
		CHECK(validModalias(m));
	}
}

TEST_CASE("given strings no kernel would announce, we should refuse each", "[validModalias]")
{
	const std::vector<std::string> refused = {
		"",
		"two words",
		" leading",
		"trailing\n",
		"tab\t",
		std::string("nul\0inside", 10),
		"del\x7f",
		"caf\xc3\xa9",
		"stray]",
		"[unclosed",
		"a[b]c]",
		std::string(kMaxModaliasLength + 1, 'a'),
		"[" + std::string(kMaxModaliasLength, 'a') + "]",
	};
	for (const std::string &m : refused) {
		INFO(m.substr(0, 40));
		CHECK_FALSE(validModalias(m));
	}
	CHECK(validModalias(std::string(kMaxModaliasLength, 'a')));
	CHECK(validModalias("[" + std::string(kMaxModaliasLength - 2, 'a') + "]"));
	CHECK(validModalias("a[b[c]d")); // libkmod reads '[' inside an expression as a char
	CHECK(validModalias("[]"));	 // an empty expression: balanced
}

TEST_CASE("given hostile sizes, we should refuse what libkmod cannot take and keep the rest whole",
	  "[uevent]")
{
	// 10,000 '[': longer than any lookup key, and not a bracket expression libkmod accepts.
	checkRefused(platformWith("MODALIAS", "dmi:" + std::string(10000, '[')),
		     UeventDrop::BadModalias);
	// Within the length, unbalanced: refused too.
	checkRefused(platformWith("MODALIAS", "dmi:" + std::string(4000, '[')),
		     UeventDrop::BadModalias);

	// 1,000 variables: every one kept, in order, and the fields still found.
	std::vector<std::string> fields = {"add@/devices/platform/pcspkr", "ACTION=add",
					   "DEVPATH=/devices/platform/pcspkr",
					   "SUBSYSTEM=platform"};
	for (int i = 0; i < 1000; i++)
		fields.push_back("VAR" + std::to_string(i) + "=value" + std::to_string(i));
	fields.push_back("MODALIAS=platform:pcspkr");
	fields.push_back("SEQNUM=821");
	UeventDrop drop;
	std::string why;
	auto e = parseKernel(kernelMessage(fields), drop, why);
	INFO(why);
	REQUIRE(e);
	CHECK(e->properties.size() == 1005);
	CHECK(e->modalias == "platform:pcspkr");
	CHECK(e->seqnum == 821);
	REQUIRE(e->property("VAR999"));
	CHECK(*e->property("VAR999") == "value999");
}
