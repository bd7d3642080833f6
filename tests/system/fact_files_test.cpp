// Tests for the readers of small machine files under a root: non-empty files, directories with
// entries that count, and globs under a root.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <sys/stat.h>

#include "system/fact_files.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;

TEST_CASE("given files, we should call only regular files with bytes non-empty", "[fact_files]")
{
	TempTree t;
	t.write("/full", "data\n");
	t.write("/empty", "");
	t.mkdir("/dir");
	t.symlink("full", "/link");
	CHECK(isNonEmptyFile(t.path("/full")));
	CHECK(isNonEmptyFile(t.path("/link")));
	CHECK_FALSE(isNonEmptyFile(t.path("/empty")));
	CHECK_FALSE(isNonEmptyFile(t.path("/dir")));
	CHECK_FALSE(isNonEmptyFile(t.path("/missing")));
}

TEST_CASE("given a FIFO or a device in a fact's place, we should read nothing, without waiting",
	  "[fact_files]")
{
	TempTree t;
	t.write("/etc/hostname", "host\n");
	t.mkdir("/proc/sys/kernel");
	// No one writes it: a blocking open would wait for ever (and the test for its timeout).
	REQUIRE(mkfifo(t.path("/proc/sys/kernel/hostname").c_str(), 0600) == 0);
	t.symlink("/dev/zero", "/zero");
	CHECK(readFactLine(t.path("/etc/hostname")) == std::optional<std::string>("host"));
	CHECK_FALSE(readFactFile(t.path("/proc/sys/kernel/hostname")));
	CHECK_FALSE(readFactLine(t.path("/proc/sys/kernel/hostname")));
	CHECK_FALSE(readFactFile(t.path("/zero")));
	CHECK_FALSE(readFactFile(t.path("/etc")));
	CHECK_FALSE(readFactFile(t.path("/missing")));
}

TEST_CASE("given directories, we should count entries as systemd does, without hidden and "
	  "backup files",
	  "[fact_files]")
{
	TempTree t;
	t.mkdir("/empty");
	t.write("/hidden/.keep", "");
	t.write("/backups/a~", "");
	t.write("/backups/b.dpkg-old", "");
	t.write("/backups/lost+found", "");
	t.write("/full/file.conf", "");
	t.mkdir("/subdir/child");
	t.write("/file", "x");
	CHECK_FALSE(directoryHasEntries(t.path("/empty")));
	CHECK_FALSE(directoryHasEntries(t.path("/hidden")));
	CHECK_FALSE(directoryHasEntries(t.path("/backups")));
	CHECK_FALSE(directoryHasEntries(t.path("/file")));
	CHECK_FALSE(directoryHasEntries(t.path("/missing")));
	CHECK(directoryHasEntries(t.path("/full")));
	CHECK(directoryHasEntries(t.path("/subdir")));
}

TEST_CASE("given a glob under a root with glob characters in its name, we should match the "
	  "pattern only",
	  "[fact_files]")
{
	TempTree t;
	t.write("/r[1]/dev/nvidia0", "");
	t.write("/r1/dev/other", "");
	std::string root = t.path("/r[1]");
	CHECK(globMatchesUnder(root, "/dev/nvidia*"));
	CHECK(globMatchesUnder(root + "/", "/dev/nvidia?"));
	CHECK(globMatchesUnder(root, "/dev/{foo,nvidia0}"));
	CHECK_FALSE(globMatchesUnder(root, "/dev/other*"));
	CHECK_FALSE(globMatchesUnder(root, "/dev/{foo,bar}"));
	CHECK_FALSE(globMatchesUnder(t.path("/missing"), "/*"));
}

TEST_CASE("given braces, we should count the patterns glob(3) makes of them, up to the bound",
	  "[fact_files]")
{
	struct Case {
		const char *pattern;
		size_t count;
	};
	const Case cases[] = {
		{"/dev/nvidia*", 1},
		{"/dev/{a,b}", 2},
		{"/dev/{a,b}{c,d,e}", 6},
		{"/dev/{a,{b,c}}", 3},
		{"/dev/{a}", 1},
		{"/dev/\\{a,b}", 1}, // escaped: literal
		{"/dev/{a,b", 1},    // unclosed: literal
		{"/dev/{a\\,b,c}", 2},
		{"/{a,b}/{a,b}/{a,b}/{a,b}/{a,b}/{a,b}", 64},
		{"/{a,b}/{a,b}/{a,b}/{a,b}/{a,b}/{a,b}{c,d}", kMaxGlobPatterns + 1},
	};
	for (const Case &c : cases) {
		CAPTURE(c.pattern);
		CHECK(braceExpansions(c.pattern) == c.count);
	}
}

TEST_CASE("given a glob with 22 brace groups, we should refuse it at once, not walk 4 million "
	  "patterns",
	  "[fact_files]")
{
	TempTree t;
	t.write("/dev/a", "");
	std::string pattern = "/dev/";
	for (int i = 0; i < 22; i++)
		pattern += "{a,b}";
	pattern += "*";
	CHECK(braceExpansions(pattern) == kMaxGlobPatterns + 1);
	auto begun = std::chrono::steady_clock::now();
	CHECK_FALSE(globMatchesUnder(t.root(), pattern));
	CHECK(std::chrono::steady_clock::now() - begun < std::chrono::seconds(1));
}
