// Tests for reading modules-load.d(5) files into requests.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/strings.h"
#include "config/modules_load_d.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;

namespace {

// A ConfFile for a path in the tree, as listConfFiles() would hand it out.
ConfFile confFile(const TempTree &t, std::string_view p)
{
	return {t.path(p), std::string(p)};
}

} // namespace
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names(const std::vector<Request> &requests)
{
	std::vector<std::string> out;
	for (const Request &r : requests)
		out.push_back(r.name);
	return out;
}

std::vector<std::string> origins(const std::vector<Request> &requests)
{
	std::vector<std::string> out;
	for (const Request &r : requests)
		out.push_back(r.origin);
	return out;
}

} // namespace

TEST_CASE("given module names and aliases the kernel uses, we should accept them",
	  "[modules_load_d]")
{
	auto valid =
		GENERATE(as<std::string>{}, "dummy", "snd-hda-intel", "snd_hda_intel", "fs-xfs",
			 "net-pf-10", "char-major-10-229", "pci:v00008086d*sv*sd*bc02sc00i*",
			 "acpi*:PNP0A03:*", "of:NgpioT(null)Cfoo,bar", "platform:foo-bar",
			 "symbol:foo", "crypto-sha256", "usb:v*p*d*dc*dsc*dp*ic09isc*ip*in*", "x",
			 std::string(4095, 'a'), "dmi:bvn[QEMU]:pn[[x]", "pci:v*bc0[23]*");
	INFO(valid.substr(0, 80));
	CHECK_FALSE(checkModuleName(valid).has_value());
}

TEST_CASE("given things that cannot be module names, we should say why", "[modules_load_d]")
{
	struct Case {
		std::string name;
		std::string reason;
	};
	auto c = GENERATE(values<Case>({
		{"", "is empty"},
		{std::string(4096, 'a'), "is longer than 4095 bytes"},
		{std::string(4095, '[') + "]", "is longer than 4095 bytes"},
		{"/lib/modules/foo.ko", "is a path, not a module name"},
		{"foo/bar", "is a path, not a module name"},
		{"..", "is a path component, not a module name"},
		{".", "is a path component, not a module name"},
		{"foo # comment", "trailing comments are not supported"},
		{"foo\tbar", "contains whitespace"},
		{"foo\x01", "contains a control character"},
		{"foo\x7f", "contains a control character"},
		{std::string("fo\0o", 4), "contains a NUL byte"},
		{"f\xc3\xbcr", "contains non-ASCII bytes"},
		// libkmod refuses these with EINVAL at load time (found by fuzzing)
		{"foo]", "has unbalanced brackets"},
		{"pci:v[0-9", "has unbalanced brackets"},
		{"a]b[c]", "has unbalanced brackets"},
	}));
	INFO(c.name.substr(0, 80));
	auto why = checkModuleName(c.name);
	REQUIRE(why.has_value());
	CHECK_THAT(*why, Catch::Contains(c.reason));
}

TEST_CASE("given comments, blank lines and padding, we should read only the names, trimmed",
	  "[modules_load_d]")
{
	TempTree t;
	t.write("/etc/modules-load.d/a.conf", "# a comment\n"
					      "; another comment\n"
					      "   # an indented comment\n"
					      "\t; an indented one\n"
					      "\n"
					      "   \t \n"
					      "  dummy  \n"
					      "\tloop\t\n"
					      "fs-xfs\n");
	Diagnostics diags;
	auto requests = parseModulesLoadFile(confFile(t, "/etc/modules-load.d/a.conf"), diags);
	CHECK(names(requests) == std::vector<std::string>{"dummy", "loop", "fs-xfs"});
	CHECK(origins(requests) == std::vector<std::string>{"/etc/modules-load.d/a.conf:7",
							    "/etc/modules-load.d/a.conf:8",
							    "/etc/modules-load.d/a.conf:9"});
	CHECK(diags.empty());
}

TEST_CASE("given CRLF line endings, we should read the names without the carriage returns",
	  "[modules_load_d]")
{
	TempTree t;
	t.write("/etc/modules-load.d/dos.conf", "# from Windows\r\ndummy\r\n\r\nloop\r\n");
	Diagnostics diags;
	auto requests = parseModulesLoadFile(confFile(t, "/etc/modules-load.d/dos.conf"), diags);
	CHECK(names(requests) == std::vector<std::string>{"dummy", "loop"});
	CHECK(origins(requests) == std::vector<std::string>{"/etc/modules-load.d/dos.conf:2",
							    "/etc/modules-load.d/dos.conf:4"});
	CHECK(diags.empty());
}

TEST_CASE("given a last line without a newline, we should still read it", "[modules_load_d]")
{
	TempTree t;
	t.write("/etc/modules-load.d/a.conf", "dummy\nloop");
	Diagnostics diags;
	auto requests = parseModulesLoadFile(confFile(t, "/etc/modules-load.d/a.conf"), diags);
	CHECK(names(requests) == std::vector<std::string>{"dummy", "loop"});
	CHECK(origins(requests).back() == "/etc/modules-load.d/a.conf:2");
}

TEST_CASE("given bad lines between good ones, we should report each with file and line and keep "
	  "the good ones",
	  "[modules_load_d]")
{
	TempTree t;
	std::string text;
	text += "good1\n";		    // 1
	text += "/lib/modules/x.ko\n";	    // 2
	text += "..\n";			    // 3
	text += "foo # trailing comment\n"; // 4
	text += "good2\n";		    // 5
	text += "bad\x01name\n";	    // 6
	text += std::string(5000, 'm');	    // 7
	text += "\ngood3\n";		    // 8
	t.write("/usr/lib/modules-load.d/mixed.conf", text);
	Diagnostics diags;
	auto requests =
		parseModulesLoadFile(confFile(t, "/usr/lib/modules-load.d/mixed.conf"), diags);
	CHECK(names(requests) == std::vector<std::string>{"good1", "good2", "good3"});
	CHECK(origins(requests) ==
	      std::vector<std::string>{"/usr/lib/modules-load.d/mixed.conf:1",
				       "/usr/lib/modules-load.d/mixed.conf:5",
				       "/usr/lib/modules-load.d/mixed.conf:8"});

	REQUIRE(diags.size() == 5);
	std::vector<unsigned> lines;
	for (const Diagnostic &d : diags) {
		CHECK(d.file == "/usr/lib/modules-load.d/mixed.conf");
		CHECK_THAT(d.message, Catch::EndsWith(", ignoring"));
		lines.push_back(d.line);
	}
	CHECK(lines == std::vector<unsigned>{2, 3, 4, 6, 7});
	CHECK(diags[0].message == "'/lib/modules/x.ko' is a path, not a module name, ignoring");
	CHECK_THAT(diags[2].message, Catch::Contains("trailing comments are not supported"));
	CHECK_THAT(diags[3].message, Catch::StartsWith("'bad\\x01name'"));
	// The 5000-byte line is quoted cut down, not in full.
	CHECK(diags[4].message ==
	      "'" + std::string(77, 'm') + "...' is longer than 4095 bytes, ignoring");
}

TEST_CASE("given a .conf that is a symlink to a directory, we should report it unreadable",
	  "[modules_load_d]")
{
	// chmod 000 does not stop root, and the tests run as root: a directory fails for anyone.
	TempTree t;
	t.mkdir("/somewhere");
	t.symlink("../../somewhere", "/etc/modules-load.d/x.conf");
	t.write("/etc/modules-load.d/y.conf", "dummy\n");

	Diagnostics diags;
	auto requests = parseModulesLoadFile(confFile(t, "/etc/modules-load.d/x.conf"), diags);
	CHECK(requests.empty());
	REQUIRE(diags.size() == 1);
	CHECK(diags[0].file == "/etc/modules-load.d/x.conf");
	CHECK(diags[0].line == 0);
	CHECK(diags[0].message == "Failed to read: Is a directory, ignoring");

	// Listing never offers it, so a whole read is quiet and still finds y.conf.
	diags.clear();
	CHECK(names(readModulesLoadD(t.root(), diags)) == std::vector<std::string>{"dummy"});
	CHECK(diags.empty());
}

TEST_CASE("given a FIFO named like a file, we should report it without blocking",
	  "[modules_load_d]")
{
	TempTree t;
	t.mkdir("/etc/modules-load.d");
	REQUIRE(::mkfifo(t.path("/etc/modules-load.d/pipe.conf").c_str(), 0644) == 0);
	Diagnostics diags;
	auto requests = parseModulesLoadFile(confFile(t, "/etc/modules-load.d/pipe.conf"), diags);
	CHECK(requests.empty());
	REQUIRE(diags.size() == 1);
	CHECK(diags[0].message == "Failed to read: not a regular file, ignoring");
}

TEST_CASE("given a file that has gone away, we should report it", "[modules_load_d]")
{
	TempTree t;
	Diagnostics diags;
	auto requests = parseModulesLoadFile(confFile(t, "/etc/modules-load.d/gone.conf"), diags);
	CHECK(requests.empty());
	REQUIRE(diags.size() == 1);
	CHECK(diags[0].message == "Failed to read: No such file or directory, ignoring");
}

TEST_CASE("given no modules-load.d directories at all, we should read nothing quietly",
	  "[modules_load_d]")
{
	TempTree t;
	Diagnostics diags;
	CHECK(readModulesLoadD(t.root(), diags).empty());
	CHECK(diags.empty());
}

TEST_CASE("given files in several directories, we should read the winners in name order",
	  "[modules_load_d]")
{
	TempTree t;
	t.write("/usr/lib/modules-load.d/a.conf", "from-usr-a\n");
	t.write("/etc/modules-load.d/b.conf", "from-etc-b\n");
	t.write("/usr/lib/modules-load.d/b.conf", "hidden-usr-b\n");
	t.symlink("/dev/null", "/etc/modules-load.d/c.conf");
	t.write("/usr/lib/modules-load.d/c.conf", "masked-usr-c\n");
	Diagnostics diags;
	auto requests = readModulesLoadD(t.root(), diags);
	CHECK(names(requests) == std::vector<std::string>{"from-usr-a", "from-etc-b"});
	CHECK(origins(requests) == std::vector<std::string>{"/usr/lib/modules-load.d/a.conf:1",
							    "/etc/modules-load.d/b.conf:1"});
	CHECK(diags.empty());
}

TEST_CASE("given a file of binary garbage, we should produce no requests and not crash",
	  "[modules_load_d]")
{
	TempTree t;
	// A fixed seed keeps the test deterministic; mt19937's output is fully specified.
	std::mt19937 rng(20240229);
	std::string garbage;
	for (int i = 0; i < 64 * 1024; i++)
		garbage += static_cast<char>(rng() & 0xff);
	garbage += std::string("\0\0\0\n\x7f"
			       "ELF\x02\x01\x01\n\xff\xfe\n",
			       14);
	t.write("/etc/modules-load.d/garbage.conf", garbage);

	Diagnostics diags;
	auto requests = readModulesLoadD(t.root(), diags);
	CHECK(requests.empty());
	CHECK_FALSE(diags.empty());
	for (const Diagnostic &d : diags) {
		CHECK(d.file == "/etc/modules-load.d/garbage.conf");
		// Quoted text is escaped: the message itself stays printable ASCII.
		bool printable = std::all_of(d.message.begin(), d.message.end(),
					     [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
		CHECK(printable);
	}
}

TEST_CASE("given a 10,000-line file, we should read 10,000 requests", "[modules_load_d]")
{
	TempTree t;
	std::string text;
	for (int i = 0; i < 10000; i++)
		text += "module" + std::to_string(i) + "\n";
	t.write("/etc/modules-load.d/many.conf", text);
	Diagnostics diags;
	auto requests = readModulesLoadD(t.root(), diags);
	REQUIRE(requests.size() == 10000);
	CHECK(requests.front().name == "module0");
	CHECK(requests.back().name == "module9999");
	CHECK(requests.back().origin == "/etc/modules-load.d/many.conf:10000");
	CHECK(diags.empty());
}

TEST_CASE("given a file over 16 MiB, we should report it and read none of it", "[modules_load_d]")
{
	TempTree t;
	t.write("/etc/modules-load.d/huge.conf", "dummy\n");
	fs::resize_file(t.path("/etc/modules-load.d/huge.conf"), kMaxConfFileSize + 1);
	Diagnostics diags;
	auto requests = readModulesLoadD(t.root(), diags);
	CHECK(requests.empty());
	REQUIRE(diags.size() == 1);
	CHECK(diags[0].file == "/etc/modules-load.d/huge.conf");
	CHECK(diags[0].message == "Failed to read: larger than 16 MiB, ignoring");
}
