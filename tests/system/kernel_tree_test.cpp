// Tests for the module tree of a kernel under a root: its builtin modules.
#include <catch2/catch.hpp>

#include <set>
#include <string>

#include "system/kernel_tree.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;

using Names = std::set<std::string>;

TEST_CASE("given modules.builtin, we should name the builtin modules as the kernel does",
	  "[kernel_tree]")
{
	TempTree t;
	t.write("/lib/modules/6.1.0-13-amd64/modules.builtin",
		"kernel/drivers/usb/host/xhci-pci.ko\n"
		"kernel/fs/ext4/ext4.ko\n"
		"\n"
		"  kernel/drivers/input/serio/i8042.ko  \n"
		"kernel/crypto/crc32c_generic.ko\n");
	CHECK(readBuiltinModules(t.root(), "6.1.0-13-amd64") ==
	      Names{"xhci_pci", "ext4", "i8042", "crc32c_generic"});
	// Another kernel's list is not this one's.
	CHECK(readBuiltinModules(t.root(), "6.1.0-12-amd64").empty());
}

TEST_CASE("given modules.builtin under /usr/lib/modules, we should read it there, and the one "
	  "in /lib/modules first",
	  "[kernel_tree]")
{
	TempTree merged;
	merged.write("/usr/lib/modules/6.1.0-13-amd64/modules.builtin", "kernel/fs/ext4/ext4.ko\n");
	CHECK(readBuiltinModules(merged.root(), "6.1.0-13-amd64") == Names{"ext4"});

	TempTree both;
	both.write("/lib/modules/6.1.0-13-amd64/modules.builtin", "kernel/fs/ext4/ext4.ko\n");
	both.write("/usr/lib/modules/6.1.0-13-amd64/modules.builtin", "kernel/fs/xfs/xfs.ko\n");
	CHECK(readBuiltinModules(both.root(), "6.1.0-13-amd64") == Names{"ext4"});

	TempTree empty;
	CHECK(readBuiltinModules(empty.root(), "6.1.0-13-amd64").empty());
}
