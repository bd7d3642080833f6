// Tests for the RAII owners of C handles in daemon/base/handles.h.
#include <catch2/catch.hpp>

#include <cerrno>
#include <fcntl.h>
#include <string>

#include "base/handles.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;

TEST_CASE("given a Dir, we should close the directory when it goes", "[handles]")
{
	TempTree t;
	t.write("/d/a", "");
	Dir dir(::opendir(t.path("/d").c_str()));
	REQUIRE(dir);
	int fd = ::dirfd(dir.get());
	REQUIRE(::fcntl(fd, F_GETFD) >= 0);
	dir.reset();
	errno = 0;
	CHECK(::fcntl(fd, F_GETFD) == -1);
	CHECK(errno == EBADF);

	Dir missing(::opendir(t.path("/nothing").c_str()));
	CHECK_FALSE(missing); // released without a call on nullptr
}

TEST_CASE("given GlobPaths, we should see what glob() found, and nothing when it found nothing",
	  "[handles]")
{
	TempTree t;
	t.write("/dev/nvidia0", "");
	t.write("/dev/nvidiactl", "");
	t.write("/dev/null", "");

	GlobPaths found;
	REQUIRE(::glob(t.path("/dev/nvidia*").c_str(), 0, nullptr, found.get()) == 0);
	REQUIRE(found.size() == 2);
	CHECK(std::string(found[0]) == t.path("/dev/nvidia0"));
	CHECK(std::string(found[1]) == t.path("/dev/nvidiactl"));

	GlobPaths none;
	CHECK(::glob(t.path("/dev/sd*").c_str(), 0, nullptr, none.get()) == GLOB_NOMATCH);
	CHECK(none.size() == 0);
}
