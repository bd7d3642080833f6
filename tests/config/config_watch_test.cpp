// Tests for the inotify watch over the configuration directories, on a real inotify instance
// and a temporary root.
#include <catch2/catch.hpp>

#include <filesystem>
#include <poll.h>

#include "config/config_watch.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;
namespace fs = std::filesystem;

namespace {

using Dirs = std::vector<std::string>;

ConfigWatch watchOf(const TempTree &t)
{
	// The kinds the daemon watches: modules-load.d and the rules.
	auto watch = ConfigWatch::open(
		t.root(), {{"modules-load.d", ".conf"}, {"modloadd/rules.d", ".rules"}});
	INFO((watch ? "" : watch.error().message));
	REQUIRE(watch);
	return std::move(*watch);
}

// inotify queues an event before the system call that caused it returns, so it is readable
// at once; the poll only proves the descriptor says so.
bool readable(const ConfigWatch &w)
{
	pollfd p{w.fd(), POLLIN, 0};
	return poll(&p, 1, 0) == 1;
}

} // namespace

TEST_CASE("given existing directories, we should report drop-ins of their kind and nothing else",
	  "[watch]")
{
	TempTree t;
	t.mkdir("/etc/modules-load.d");
	t.mkdir("/usr/lib/modloadd/rules.d");
	ConfigWatch w = watchOf(t);
	CHECK(w.drain().empty());
	CHECK_FALSE(readable(w));

	t.write("/etc/modules-load.d/gpu.conf", "nvidia\n");
	CHECK(readable(w));
	CHECK(w.drain() == Dirs{"/etc/modules-load.d"});
	CHECK(w.drain().empty()); // taken

	// Editors' and package managers' side files, and the other kind's suffix.
	t.write("/etc/modules-load.d/.gpu.conf.swp", "x");
	t.write("/etc/modules-load.d/gpu.conf~", "x");
	t.write("/etc/modules-load.d/gpu.rules", "x");
	t.write("/usr/lib/modloadd/rules.d/nvidia.conf", "x");
	CHECK(w.drain().empty());

	t.write("/usr/lib/modloadd/rules.d/nvidia.rules", "[Load]\nModules=nvidia\n");
	CHECK(w.drain() == Dirs{"/usr/lib/modloadd/rules.d"});

	// Rename into place, removal, a symlink (masking): each is a change.
	t.write("/etc/modules-load.d/.tmp", "tun\n");
	w.drain();
	fs::rename(t.path("/etc/modules-load.d/.tmp"), t.path("/etc/modules-load.d/tun.conf"));
	CHECK(w.drain() == Dirs{"/etc/modules-load.d"});
	fs::remove(t.path("/etc/modules-load.d/gpu.conf"));
	CHECK(w.drain() == Dirs{"/etc/modules-load.d"});
	t.symlink("/dev/null", "/etc/modules-load.d/mask.conf");
	CHECK(w.drain() == Dirs{"/etc/modules-load.d"});

	// Two directories at once, in order.
	t.write("/usr/lib/modloadd/rules.d/b.rules", "x");
	t.write("/etc/modules-load.d/b.conf", "x");
	CHECK(w.drain() == Dirs{"/etc/modules-load.d", "/usr/lib/modloadd/rules.d"});
}

TEST_CASE("given directories that do not exist yet, we should see them appear, level by level",
	  "[watch]")
{
	TempTree t;
	ConfigWatch w = watchOf(t);
	// Every directory of both kinds is watched through the root itself.
	CHECK(w.watches() == 1);

	t.mkdir("/tmp");
	// /etc appears: a step towards two directories, neither of them there yet
	t.write("/etc/hostname", "box\n");
	CHECK(w.drain().empty());
	CHECK(w.watches() == 2); // the root, and /etc for the two below it

	t.write("/etc/motd", "hello\n"); // another file in a parent: not ours
	CHECK(w.drain().empty());

	t.mkdir("/etc/modloadd");
	CHECK(w.drain().empty());
	t.mkdir("/etc/modloadd/rules.d");
	CHECK(w.drain() == Dirs{"/etc/modloadd/rules.d"});
	t.write("/etc/modloadd/rules.d/virtio.rules", "x");
	CHECK(w.drain() == Dirs{"/etc/modloadd/rules.d"});
}

TEST_CASE("given a missing directory made and filled before the watch moves down, we should "
	  "report it; its parent alone is no change",
	  "[watch]")
{
	TempTree t;
	t.mkdir("/run");
	ConfigWatch w = watchOf(t);
	// The daemon's own state directory: /run/modloadd appears, /run/modloadd/rules.d does not.
	t.write("/run/modloadd/refused", "nbd -22\n");
	CHECK(w.drain().empty());
	t.write("/run/modloadd/reloaded", "1\n");
	CHECK(w.drain().empty());
	// mkdir -p and a file, all before the next drain: the watch only saw /run/modules-load.d
	// appear, not the file.
	t.write("/run/modules-load.d/late.conf", "tun\n");
	CHECK(w.drain() == Dirs{"/run/modules-load.d"});
	t.write("/run/modloadd/rules.d/late.rules", "[Load]\nModules=tun\n");
	CHECK(w.drain() == Dirs{"/run/modloadd/rules.d"});
}

TEST_CASE("given a watched directory removed and made again, we should follow it", "[watch]")
{
	TempTree t;
	t.mkdir("/run/modules-load.d");
	ConfigWatch w = watchOf(t);
	fs::remove_all(t.path("/run/modules-load.d"));
	CHECK(w.drain() == Dirs{"/run/modules-load.d"});
	t.write("/run/modules-load.d/late.conf", "tun\n");
	CHECK(w.drain() == Dirs{"/run/modules-load.d"});
	t.write("/run/modules-load.d/later.conf", "tun\n");
	CHECK(w.drain() == Dirs{"/run/modules-load.d"});
}

TEST_CASE("given /lib as a symlink to /usr/lib, we should report both names of the directory",
	  "[watch]")
{
	TempTree t;
	t.mkdir("/usr/lib/modules-load.d");
	t.symlink("usr/lib", "/lib");
	ConfigWatch w = watchOf(t);
	t.write("/usr/lib/modules-load.d/pkg.conf", "tun\n");
	CHECK(w.drain() == Dirs{"/lib/modules-load.d", "/usr/lib/modules-load.d"});
}
