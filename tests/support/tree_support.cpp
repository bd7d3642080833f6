// Test support for module-tree tests.
#include "tree_support.h"

#include "base/strings.h"

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>

namespace modloadd::testing {

namespace fs = std::filesystem;

std::string capture(const std::string &command, int &status)
{
	std::string out;
	FILE *p = popen(command.c_str(), "r");
	if (!p) {
		status = -1;
		return out;
	}
	std::array<char, 4096> buf;
	size_t n;
	while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
		out.append(buf.data(), n);
	int raw = pclose(p);
	status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
	return out;
}

void requireTools(const std::vector<std::string> &tools)
{
	for (const std::string &t : tools) {
		int status = 0;
		capture(fmt::format("PATH=\"$PATH:/sbin:/usr/sbin\" command -v {} >/dev/null", t),
			status);
		if (status != 0) {
			fmt::print(stderr, "SKIP: '{}' is not installed\n", t);
			exit(77);
		}
	}
}

const std::string &fixtureRoot()
{
	static TempDir dir;
	static std::string root = [] {
		const char *script = getenv("MODLOADD_FIXTURE_TREE_SCRIPT");
		if (!script) {
			fmt::print(stderr,
				   "MODLOADD_FIXTURE_TREE_SCRIPT is not set (run through meson)\n");
			abort();
		}
		int status = 0;
		std::string log = capture(
			fmt::format("'{}' '{}' {} 2>&1", script, dir.root(), kFixtureKernel),
			status);
		if (status != 0) {
			fmt::print(stderr, "building the fixture tree failed:\n{}\n", log);
			abort();
		}
		return dir.root();
	}();
	return root;
}

namespace {

// The fixture tree's lib/modules copied into ROOT/lib with `cp FLAGS`.
void copyFixtureModules(const std::string &root, const char *flags)
{
	fs::create_directories(root + "/lib");
	int status = 0;
	std::string log = capture(
		fmt::format("cp {} '{}/lib/modules' '{}/lib/' 2>&1", flags, fixtureRoot(), root),
		status);
	INFO(log);
	REQUIRE(status == 0);
}

} // namespace

FixtureRoot::FixtureRoot()
{
	// Hard links, not a link to the fixture's directory: a root's links resolve inside it.
	copyFixtureModules(dir.root(), "-al");
}

std::string FixtureRoot::ownModules() const
{
	fs::remove_all(dir.root() + "/lib/modules");
	copyFixtureModules(dir.root(), "-a"); // files of its own, to change
	return fmt::format("{}/lib/modules/{}", dir.root(), kFixtureKernel);
}

std::string FixtureRoot::removeAfterDepmod(const std::string &rel) const
{
	std::string version = ownModules();
	REQUIRE(fs::remove(version + "/kernel/drivers/fixture/" + rel));
	return version;
}

void FixtureRoot::changeAfterDepmod(const std::string &versionDir, const std::string &path,
				    int seconds)
{
	struct stat st;
	REQUIRE(stat((versionDir + "/modules.dep.bin").c_str(), &st) == 0);
	timespec times[2] = {st.st_mtim, st.st_mtim};
	times[1].tv_sec += seconds;
	REQUIRE(utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

void FixtureRoot::addDevice(const std::string &devpath, const std::string &subsystem,
			    const std::string &uevent) const
{
	dir.write("sys" + devpath + "/uevent", uevent);
	dir.symlink("../../../bus/" + subsystem, "sys" + devpath + "/subsystem");
}

std::string sbin(const std::string &command)
{
	return "PATH=\"$PATH:/sbin:/usr/sbin\" " + command;
}

std::string builtBinary(const char *variable)
{
	const char *path = getenv(variable);
	if (!path || !*path) {
		fmt::print(stderr, "{} is not set: run the test through meson\n", variable);
		exit(1);
	}
	return path;
}

ModprobeAnswer modprobeShowDepends(const std::string &root, const std::string &version,
				   const std::string &configDir, const std::string &name,
				   bool useBlacklist)
{
	ModprobeAnswer a;
	a.output = capture(fmt::format("PATH=\"$PATH:/sbin:/usr/sbin\" modprobe -C '{}' -d '{}' -S "
				       "'{}' {} --show-depends -- '{}' 2>&1",
				       configDir, root, version, useBlacklist ? "-b" : "", name),
			   a.status);
	for (const std::string &line : split(a.output, '\n')) {
		if (startsWith(line, "insmod ")) {
			std::string path(trim(line.substr(7)));
			path = path.substr(0, path.find(' '));
			std::string file = path.substr(path.rfind('/') + 1);
			a.inserts.push_back(normalizeModuleName(file.substr(0, file.find(".ko"))));
		} else if (startsWith(line, "builtin ")) {
			a.builtins.insert(normalizeModuleName(trim(line.substr(8))));
		}
	}
	return a;
}

size_t occurrences(const std::string &haystack, const std::string &needle)
{
	size_t n = 0;
	for (size_t pos = haystack.find(needle); pos != std::string::npos;
	     pos = haystack.find(needle, pos + 1))
		n++;
	return n;
}

const PlannedModule &find(const ModuleGraph &graph, const std::string &name)
{
	for (const PlannedModule &m : graph.modules)
		if (m.name == name)
			return m;
	FAIL("no module " << name << " in the graph");
	abort();
}

std::set<std::string> planned(const ModuleGraph &graph, OutcomeKind kind)
{
	std::set<std::string> out;
	for (const PlannedModule &m : graph.modules)
		if (m.planned == kind)
			out.insert(m.name);
	return out;
}

bool isLoadOrder(const ModuleGraph &graph)
{
	for (size_t i = 0; i < graph.modules.size(); i++)
		for (const ModuleEdge &e : graph.modules[i].waitsFor)
			if (e.module >= i)
				return false;
	return true;
}

// A newc cpio archive of FILES (path, bytes), as the kernel unpacks them.
std::string newcArchive(const std::vector<std::pair<std::string, std::string>> &files)
{
	std::string out;
	unsigned ino = 1;
	auto add = [&](const std::string &name, const std::string &data, unsigned mode) {
		out += fmt::format(
			"070701{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}"
			"{:08X}{:08X}{:08X}",
			ino++, mode, 0, 0, 1, 0, data.size(), 0, 0, 0, 0, name.size() + 1, 0);
		out += name;
		out += '\0';
		while (out.size() % 4)
			out += '\0';
		out += data;
		while (out.size() % 4)
			out += '\0';
	};
	for (const auto &[name, data] : files)
		add(name, data, 0100644);
	add("TRAILER!!!", "", 0);
	return out;
}

std::string readFile(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	std::ostringstream out;
	out << in.rdbuf();
	return out.str();
}

void writeInitramfs(const FixtureRoot &root, int early, const std::string &compressor,
		    const std::vector<std::pair<std::string, std::string>> &main)
{
	std::string image;
	for (int i = 0; i < early; i++) {
		image += newcArchive(
			{{fmt::format("kernel/x86/microcode/GenuineIntel{}.bin", i), "ucode"}});
		image.append((512 - image.size() % 512) % 512, '\0');
	}
	root.dir.write("tmp/main.cpio", newcArchive(main));
	int status = 0;
	std::string compressed = capture(
		fmt::format("{} -c '{}'", compressor, root.dir.path("/tmp/main.cpio")), status);
	REQUIRE(status == 0);
	root.dir.write(fmt::format("boot/initrd.img-{}", kFixtureKernel), image + compressed);
}

} // namespace modloadd::testing
