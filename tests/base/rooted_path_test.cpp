// A machine's paths under its root: every link followed inside the root, never into the host.
#include "base/rooted_path.h"

#include "temp_tree.h"

#include <catch2/catch.hpp>
#include <fstream>

using namespace modloadd;
using modloadd::testing::TempTree;

namespace {

std::string contents(const std::string &path)
{
	std::ifstream in(path);
	std::string text;
	std::getline(in, text);
	return text;
}

} // namespace

TEST_CASE("given the host as the root, we should leave the path as it is")
{
	CHECK(rootedPath("", "/etc/shadow") == "/etc/shadow");
	CHECK(rootedPath("/", "/etc/shadow") == "/etc/shadow");
	CHECK(rootedPath("", "etc") == "/etc");
	CHECK(isHostRoot(""));
	CHECK(isHostRoot("/"));
	CHECK(isHostRoot("//"));
	CHECK_FALSE(isHostRoot("/tmp/r"));
	CHECK(confinedPath("/", "/lib/modules/x.ko") == "/lib/modules/x.ko");
}

TEST_CASE("given links that point out of the root, we should resolve each inside it")
{
	TempTree host; // stands for the host: what a link out of the root would reach
	host.write("/secret", "host secret\n");
	TempTree r;
	const std::string root = r.root();
	r.write("/usr/share/real.conf", "inside\n");
	r.write("/secret", "the image's own\n");

	SECTION("an absolute link starts again at the root")
	{
		r.symlink("/usr/share/real.conf", "/etc/abs.conf");
		CHECK(rootedPath(root, "/etc/abs.conf") == root + "/usr/share/real.conf");
		// One naming the host's file by its full host path is a path inside the image.
		r.symlink(host.path("/secret"), "/etc/host.conf");
		CHECK(rootedPath(root, "/etc/host.conf") == root + host.path("/secret"));
		CHECK(contents(rootedPath(root, "/etc/host.conf")).empty());
	}
	SECTION("'..' stops at the root, in a link and in the path")
	{
		r.symlink("../../../../../../../../secret", "/etc/modules-load.d/up.conf");
		CHECK(rootedPath(root, "/etc/modules-load.d/up.conf") == root + "/secret");
		CHECK(contents(rootedPath(root, "/etc/modules-load.d/up.conf")) ==
		      "the image's own");
		CHECK(rootedPath(root, "/../../../secret") == root + "/secret");
	}
	SECTION("a link to a directory on the way is followed inside the root")
	{
		r.symlink("/usr/share", "/etc/modules-load.d");
		CHECK(rootedPath(root, "/etc/modules-load.d/real.conf") ==
		      root + "/usr/share/real.conf");
		r.symlink("/", "/etc/top");
		CHECK(rootedPath(root, "/etc/top/secret") == root + "/secret");
		CHECK(rootedPath(root, "/etc/top/../../secret") == root + "/secret");
	}
	SECTION("a relative link resolves from its own directory, '..' after it from its target")
	{
		r.symlink("../usr/share", "/etc/share");
		CHECK(rootedPath(root, "/etc/share/real.conf") == root + "/usr/share/real.conf");
		CHECK(rootedPath(root, "/etc/share/../share/real.conf") ==
		      root + "/usr/share/real.conf");
	}
	SECTION("what does not exist is appended as it is")
	{
		CHECK(rootedPath(root, "/run/modloadd/state.json") ==
		      root + "/run/modloadd/state.json");
		r.symlink("/var/run", "/run");
		CHECK(rootedPath(root, "/run/modloadd/state.json") ==
		      root + "/var/run/modloadd/state.json");
		CHECK(rootedPath(root, "/nothing/../secret") == root + "/secret");
	}
	SECTION("a loop leads nowhere, not through the link on the host")
	{
		r.symlink("/etc/b", "/etc/a");
		r.symlink("/etc/a", "/etc/b");
		std::string p = rootedPath(root, "/etc/a/x");
		CHECK(p.rfind("/dev/null/", 0) == 0);
		CHECK(contents(p).empty());
		// A link to itself by its own name: on the host that name is another file.
		r.symlink("/self", "/self");
		CHECK(rootedPath(root, "/self").rfind("/dev/null/", 0) == 0);
	}
	SECTION("a library's path into the root is resolved again inside it")
	{
		r.symlink("/secret", "/lib/modules/v/kernel/a.ko");
		CHECK(confinedPath(root, root + "/lib/modules/v/kernel/a.ko") == root + "/secret");
		// An absolute modules.dep line comes back as it is: a path of the image.
		CHECK(confinedPath(root, host.path("/secret")) == root + host.path("/secret"));
		CHECK(pathInRoot(root, root) == "/");
		CHECK(pathInRoot(root, root + "x/y") == root + "x/y");
	}
}

TEST_CASE("given a path with a trailing slash, we should keep it, so a name can follow")
{
	TempTree r;
	r.write("/sys/class/dmi/id/sys_vendor", "QEMU\n");
	CHECK(rootedPath(r.root(), "/sys/class/dmi/id/") == r.root() + "/sys/class/dmi/id/");
	CHECK(rootedPath(r.root(), "/") == r.root() + "/");
}
