// Test support for module-tree tests: temporary roots, fixture trees, modprobe's answers.
#pragma once

#include "resolve/module_graph.h"
#include "temp_tree.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace modloadd::testing {

using TempDir = TempTree;

// Runs a shell command; returns its stdout and sets `status` to its exit status.
std::string capture(const std::string &command, int &status);

// Exit 77 (skip) unless every tool is on PATH (or in /sbin, /usr/sbin).
void requireTools(const std::vector<std::string> &tools);

// The fixture tree built once per test process from tests/fixtures (compiled with cc -c, indexed
// by depmod -b); the root directory. Version kFixtureKernel.
inline constexpr const char *kFixtureKernel = "6.1.0-fixture";
const std::string &fixtureRoot();

// A root of its own (/etc, /proc, ...) whose lib/modules is the fixture tree's.
struct FixtureRoot {
	TempDir dir;
	FixtureRoot();
	// A copy of the fixture tree of its own (timestamps kept), for a test that changes it;
	// returns its VERSION directory.
	std::string ownModules() const;
	// A copy of its own with the module file REL (under VERSION/kernel/drivers/fixture)
	// removed after depmod ran; returns the VERSION directory.
	std::string removeAfterDepmod(const std::string &rel) const;
	// PATH (under the VERSION directory VERSIONDIR) changed SECONDS after depmod ran: its
	// mtime that many seconds past modules.dep.bin's.
	static void changeAfterDepmod(const std::string &versionDir, const std::string &path,
				      int seconds);
	// A device directory in the root's sysfs, as the kernel lays it out: DEVPATH/uevent and
	// the subsystem link.
	void addDevice(const std::string &devpath, const std::string &subsystem,
		       const std::string &uevent) const;
};

// A newc cpio archive of FILES (path, bytes), as the kernel unpacks them.
std::string newcArchive(const std::vector<std::pair<std::string, std::string>> &files);

// The bytes of the file at PATH; empty when it cannot be read.
std::string readFile(const std::string &path);

// ROOT/boot/initrd.img-VERSION as initramfs-tools and dracut lay it out: EARLY uncompressed
// archives (microcode), each padded to 512 bytes, then MAIN compressed by COMPRESSOR.
void writeInitramfs(const FixtureRoot &root, int early, const std::string &compressor,
		    const std::vector<std::pair<std::string, std::string>> &main);

// The path of a program the build made, from the environment variable meson sets for the
// test (MODLOADD_BINARY, MODLOADCTL_BINARY); exits with a message when it is not set.
std::string builtBinary(const char *variable);

// What `modprobe --show-depends` would do for one name, with modprobe.d from `configDir`.
struct ModprobeAnswer {
	int status = 0;
	std::vector<std::string> inserts; // module names, in modprobe's order
	std::set<std::string> builtins;
	std::string output;
};
ModprobeAnswer modprobeShowDepends(const std::string &root, const std::string &version,
				   const std::string &configDir, const std::string &name,
				   bool useBlacklist);

// COMMAND with /sbin and /usr/sbin on its PATH (depmod, modinfo, modprobe).
std::string sbin(const std::string &command);

// Whether TEXT holds PART.
inline bool contains(const std::string &text, const std::string &part)
{
	return text.find(part) != std::string::npos;
}

// How many times NEEDLE occurs in HAYSTACK.
size_t occurrences(const std::string &haystack, const std::string &needle);

// The module NAME of the graph; the test fails when there is none.
const PlannedModule &find(const ModuleGraph &graph, const std::string &name);

// Names of the modules the graph plans as KIND (Inserted: to insert).
std::set<std::string> planned(const ModuleGraph &graph, OutcomeKind kind);

// Every hard and soft edge points to an earlier module: the order is a valid load order.
bool isLoadOrder(const ModuleGraph &graph);

} // namespace modloadd::testing
