// Tests for the reload record that `modloadctl reload` waits on.
#include <catch2/catch.hpp>

#include "service/reload_record.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;

TEST_CASE("given a reload record written, we should read back what was written", "[reload]")
{
	TempTree t;
	CHECK_FALSE(readReloadRecord(t.root())); // none yet, and no /run/modloadd either
	REQUIRE(writeReloadRecord(t.root(), {3, 1234, {77, 78}}) == 0);
	auto r = readReloadRecord(t.root());
	REQUIRE(r);
	CHECK(r->generation == 3);
	CHECK(r->daemon == 1234);
	CHECK(r->requestedBy == std::vector<pid_t>{77, 78});
	CHECK(reloadRecordPath(t.root()) == t.path("/run/modloadd/reloaded"));

	// Replaced whole; no temporary file left behind.
	REQUIRE(writeReloadRecord(t.root(), {4, 1234, {}}) == 0);
	r = readReloadRecord(t.root());
	REQUIRE(r);
	CHECK(r->generation == 4);
	CHECK(r->requestedBy.empty());
	CHECK(access(t.path("/run/modloadd/reloaded.new").c_str(), F_OK) != 0);
}

TEST_CASE("given a damaged reload record, we should not take it for a reload", "[reload]")
{
	TempTree t;
	for (const char *text :
	     {"", "generation x\n", "daemon 12\nrequested-by 5\n",
	      "generation 2\ndaemon 12\nrequested-by 5 five\n", "generation 2\ndaemon -\n"}) {
		INFO(text);
		t.write("/run/modloadd/reloaded", text);
		CHECK_FALSE(readReloadRecord(t.root()));
	}
	t.write("/run/modloadd/reloaded", "generation 2\ndaemon 12\nrequested-by\n");
	auto r = readReloadRecord(t.root());
	REQUIRE(r);
	CHECK(r->generation == 2);
}

TEST_CASE("given an unwritable place, we should say why", "[reload]")
{
	TempTree t;
	t.write("/run", "a file where the directory should be");
	CHECK(writeReloadRecord(t.root(), {1, 1, {}}) < 0);
}

TEST_CASE("given process IDs as text, we should take those the kernel can hand out", "[reload]")
{
	CHECK(parsePid("1") == pid_t{1});
	CHECK(parsePid("4194304") == pid_t{4194304});
	for (const char *bad : {"", "0", "-1", "4194305", "12a", "99999999999999999999"}) {
		INFO(bad);
		CHECK_FALSE(parsePid(bad));
	}
}
