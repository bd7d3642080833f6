// Tests for listConfFiles() and readConfFileText(): systemd's conf-files semantics.
#include <catch2/catch.hpp>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "base/strings.h"
#include "config/conf_files.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> displayPaths(const std::vector<ConfFile> &files)
{
	std::vector<std::string> out;
	for (const ConfFile &f : files)
		out.push_back(f.displayPath);
	return out;
}

std::vector<ConfFile> list(const TempTree &t, Diagnostics &diags)
{
	return listConfFiles(t.root(), "modules-load.d", ".conf", diags);
}

} // namespace

TEST_CASE("given the same name in /etc and /usr/lib, we should list only /etc's", "[conf_files]")
{
	TempTree t;
	t.write("/etc/modules-load.d/a.conf", "etc\n");
	t.write("/usr/lib/modules-load.d/a.conf", "usr\n");
	Diagnostics diags;
	auto files = list(t, diags);
	REQUIRE(files.size() == 1);
	CHECK(files[0].displayPath == "/etc/modules-load.d/a.conf");
	CHECK(files[0].path == t.path("/etc/modules-load.d/a.conf"));
	CHECK(diags.empty());
}

TEST_CASE("given the same name in /run and /usr/lib, we should list only /run's", "[conf_files]")
{
	TempTree t;
	t.write("/run/modules-load.d/a.conf", "run\n");
	t.write("/usr/lib/modules-load.d/a.conf", "usr\n");
	t.write("/lib/modules-load.d/a.conf", "lib\n");
	Diagnostics diags;
	CHECK(displayPaths(list(t, diags)) ==
	      std::vector<std::string>{"/run/modules-load.d/a.conf"});
}

TEST_CASE("given the same name in every directory, we should follow the documented priority",
	  "[conf_files]")
{
	TempTree t;
	for (std::string_view dir : kConfDirs)
		t.write(std::string(dir) + "/modules-load.d/a.conf", "x\n");
	Diagnostics diags;
	// Drop one directory at a time from the top: the next one must win.
	for (std::string_view dir : kConfDirs) {
		auto files = list(t, diags);
		REQUIRE(files.size() == 1);
		CHECK(files[0].displayPath == std::string(dir) + "/modules-load.d/a.conf");
		fs::remove_all(t.path(std::string(dir) + "/modules-load.d"));
	}
	CHECK(list(t, diags).empty());
}

TEST_CASE("given different names in different directories, we should list both", "[conf_files]")
{
	TempTree t;
	t.write("/etc/modules-load.d/a.conf", "x\n");
	t.write("/usr/lib/modules-load.d/b.conf", "x\n");
	Diagnostics diags;
	CHECK(displayPaths(list(t, diags)) ==
	      std::vector<std::string>{"/etc/modules-load.d/a.conf",
				       "/usr/lib/modules-load.d/b.conf"});
}

TEST_CASE("given a /dev/null symlink in /etc, we should mask /usr/lib's file of that name",
	  "[conf_files]")
{
	TempTree t;
	t.symlink("/dev/null", "/etc/modules-load.d/a.conf");
	t.write("/usr/lib/modules-load.d/a.conf", "x\n");
	t.write("/usr/lib/modules-load.d/b.conf", "x\n");
	Diagnostics diags;
	CHECK(displayPaths(list(t, diags)) ==
	      std::vector<std::string>{"/usr/lib/modules-load.d/b.conf"});
	CHECK(diags.empty());
}

TEST_CASE("given an empty file in /etc, we should mask /usr/lib's file of that name and not "
	  "list the empty one",
	  "[conf_files]")
{
	TempTree t;
	t.write("/etc/modules-load.d/a.conf", "");
	t.write("/usr/lib/modules-load.d/a.conf", "x\n");
	t.write("/etc/modules-load.d/lone-empty.conf", "");
	Diagnostics diags;
	CHECK(list(t, diags).empty());
}

TEST_CASE("given a character device in /etc, we should mask /usr/lib's file of that name",
	  "[conf_files]")
{
	TempTree t;
	t.mkdir("/etc/modules-load.d");
	// The same device as /dev/null, but not spelled as a symlink to it.
	if (::mknod(t.path("/etc/modules-load.d/a.conf").c_str(), S_IFCHR | 0644, ::makedev(1, 3)) <
	    0) {
		WARN("cannot create a device node here (no CAP_MKNOD?), skipping");
		return;
	}
	t.write("/usr/lib/modules-load.d/a.conf", "x\n");
	Diagnostics diags;
	CHECK(list(t, diags).empty());
}

TEST_CASE("given a mask in /usr/lib, we should still list /etc's file of that name", "[conf_files]")
{
	TempTree t;
	t.write("/etc/modules-load.d/a.conf", "x\n");
	t.symlink("/dev/null", "/usr/lib/modules-load.d/a.conf");
	Diagnostics diags;
	CHECK(displayPaths(list(t, diags)) ==
	      std::vector<std::string>{"/etc/modules-load.d/a.conf"});
}

TEST_CASE("given files across directories, we should order them by name, not by directory",
	  "[conf_files]")
{
	TempTree t;
	t.write("/etc/modules-load.d/b.conf", "x\n");
	t.write("/usr/lib/modules-load.d/a.conf", "x\n");
	t.write("/run/modules-load.d/c.conf", "x\n");
	t.write("/lib/modules-load.d/10-z.conf", "x\n");
	// strcmp order: uppercase sorts before lowercase, '-' (0x2d) before '_' (0x5f).
	t.write("/usr/local/lib/modules-load.d/B.conf", "x\n");
	t.write("/etc/modules-load.d/x_y.conf", "x\n");
	t.write("/usr/lib/modules-load.d/x-y.conf", "x\n");
	Diagnostics diags;
	CHECK(displayPaths(list(t, diags)) == std::vector<std::string>{
						      "/lib/modules-load.d/10-z.conf",
						      "/usr/local/lib/modules-load.d/B.conf",
						      "/usr/lib/modules-load.d/a.conf",
						      "/etc/modules-load.d/b.conf",
						      "/run/modules-load.d/c.conf",
						      "/usr/lib/modules-load.d/x-y.conf",
						      "/etc/modules-load.d/x_y.conf",
					      });
}

TEST_CASE("given files without the suffix, hidden files and non-regular entries, we should skip "
	  "them",
	  "[conf_files]")
{
	TempTree t;
	t.write("/etc/modules-load.d/good.conf", "x\n");
	t.write("/etc/modules-load.d/good.conf.bak", "x\n");
	t.write("/etc/modules-load.d/README", "x\n");
	t.write("/etc/modules-load.d/.hidden.conf", "x\n");
	t.write("/etc/modules-load.d/.conf", "x\n");
	t.mkdir("/etc/modules-load.d/dir.conf");
	REQUIRE(::mkfifo(t.path("/etc/modules-load.d/fifo.conf").c_str(), 0644) == 0);
	t.symlink("/nonexistent/target.conf", "/etc/modules-load.d/dangling.conf");
	Diagnostics diags;
	CHECK(displayPaths(list(t, diags)) ==
	      std::vector<std::string>{"/etc/modules-load.d/good.conf"});
	CHECK(diags.empty());
}

TEST_CASE("given a skipped non-regular entry in /etc, we should not let it hide /usr/lib's file",
	  "[conf_files]")
{
	TempTree t;
	t.mkdir("/etc/modules-load.d/a.conf");
	t.write("/usr/lib/modules-load.d/a.conf", "x\n");
	Diagnostics diags;
	CHECK(displayPaths(list(t, diags)) ==
	      std::vector<std::string>{"/usr/lib/modules-load.d/a.conf"});
}

TEST_CASE("given a root without any of the directories, we should list nothing and not complain",
	  "[conf_files]")
{
	TempTree t;
	Diagnostics diags;
	CHECK(list(t, diags).empty());
	CHECK(diags.empty());
}

TEST_CASE("given a directory path that is not a directory, we should report it and read the "
	  "others",
	  "[conf_files]")
{
	TempTree t;
	t.write("/etc/modules-load.d", "I am a file\n");
	t.write("/usr/lib/modules-load.d/a.conf", "x\n");
	Diagnostics diags;
	CHECK(displayPaths(list(t, diags)) ==
	      std::vector<std::string>{"/usr/lib/modules-load.d/a.conf"});
	REQUIRE(diags.size() == 1);
	CHECK(diags[0].file == "/etc/modules-load.d");
	CHECK(diags[0].line == 0);
	CHECK_THAT(diags[0].message, Catch::EndsWith(", ignoring"));
}

TEST_CASE("given an absolute symlink, we should resolve it inside the root, not on the host",
	  "[conf_files]")
{
	TempTree t;
	t.write("/usr/share/modloadd-test/real.conf", "x\n");
	t.symlink("/usr/share/modloadd-test/real.conf", "/etc/modules-load.d/abs.conf");
	t.write("/usr/share/modloadd-test/rel.conf", "x\n");
	t.symlink("../../usr/share/modloadd-test/rel.conf", "/etc/modules-load.d/rel.conf");
	Diagnostics diags;
	auto files = list(t, diags);
	REQUIRE(files.size() == 2);
	CHECK(files[0].displayPath == "/etc/modules-load.d/abs.conf");
	CHECK(files[0].path == t.path("/usr/share/modloadd-test/real.conf"));
	CHECK(files[1].displayPath == "/etc/modules-load.d/rel.conf");
	std::string text;
	CHECK(readConfFileText(files[1].path, text) == 0);
	CHECK(text == "x\n");
}

TEST_CASE("given another subdirectory and suffix, we should list that instead", "[conf_files]")
{
	TempTree t;
	t.write("/etc/modloadd.conf.d/a.conf", "x\n");
	t.write("/etc/modloadd.conf.d/b.ini", "x\n");
	t.write("/etc/modules-load.d/c.conf", "x\n");
	Diagnostics diags;
	CHECK(displayPaths(listConfFiles(t.root(), "modloadd.conf.d", ".conf", diags)) ==
	      std::vector<std::string>{"/etc/modloadd.conf.d/a.conf"});
	CHECK(displayPaths(listConfFiles(t.root(), "modloadd.conf.d", ".ini", diags)) ==
	      std::vector<std::string>{"/etc/modloadd.conf.d/b.ini"});
}

TEST_CASE("given things that are not regular files, we should fail to read them without "
	  "blocking",
	  "[conf_files]")
{
	TempTree t;
	t.mkdir("/dir");
	REQUIRE(::mkfifo(t.path("/fifo").c_str(), 0644) == 0);
	std::string text;
	CHECK(readConfFileText(t.path("/dir"), text) == -EISDIR);
	CHECK(readConfFileText(t.path("/fifo"), text) == -EBADFD);
	CHECK(readConfFileText(t.path("/missing"), text) == -ENOENT);
	CHECK(readFailure("/x.conf", -EISDIR).message ==
	      "Failed to read: Is a directory, ignoring");
	CHECK(readFailure("/x.conf", -EBADFD).message ==
	      "Failed to read: not a regular file, ignoring");
}

TEST_CASE("given a file over the size limit, we should refuse it", "[conf_files]")
{
	TempTree t;
	t.write("/big", "");
	fs::resize_file(t.path("/big"), kMaxConfFileSize + 1); // sparse: costs no disk
	std::string text;
	CHECK(readConfFileText(t.path("/big"), text) == -EFBIG);
	CHECK(readFailure("/big", -EFBIG).message ==
	      "Failed to read: larger than 16 MiB, ignoring");
}

TEST_CASE("given text to quote, we should escape what is not printable and cut it at 80",
	  "[conf_files]")
{
	CHECK(quoteForDiagnostic("plain") == "plain");
	CHECK(quoteForDiagnostic(std::string_view("a\0b\x7f\xff\t", 6)) == "a\\x00b\\x7f\\xff\\t");
	CHECK(quoteForDiagnostic("it's") == "it\\'s");
	CHECK(quoteForDiagnostic(std::string(80, 'a')) == std::string(80, 'a'));
	CHECK(quoteForDiagnostic(std::string(81, 'a')) == std::string(77, 'a') + "...");
	// Never cut an escape in half.
	std::string quoted = quoteForDiagnostic(std::string(76, 'a') + std::string(10, '\x01'));
	CHECK(quoted == std::string(76, 'a') + "...");
}
