// Tests against this machine's sysfs: every real modalias is valid, coldplug finds every device.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <unistd.h>

#include "base/strings.h"
#include "uevent/coldplug.h"
#include "uevent_test_support.h"

using namespace modloadd;
using namespace modloadd::testing;
namespace fs = std::filesystem;

namespace {

// `find` is the independent witness: it walks /sys/devices without our code.
std::vector<std::string> findUnderSysDevices(const std::string &name)
{
	int status = 0;
	auto lines =
		commandLines("find /sys/devices -name " + name + " -type f 2>/dev/null", status);
	std::vector<std::string> out;
	for (auto &l : lines)
		if (!l.empty())
			out.push_back(std::move(l));
	return out;
}

std::string stripNewlines(std::string s)
{
	while (!s.empty() && s.back() == '\n')
		s.pop_back();
	return s;
}

std::string parentDevpath(const std::string &file)
{
	std::string dir = file.substr(0, file.rfind('/'));
	return dir.substr(std::string("/sys").size());
}

} // namespace

TEST_CASE("given every modalias on this machine, we should accept each", "[host]")
{
	auto files = findUnderSysDevices("modalias");
	REQUIRE_FALSE(files.empty());
	size_t checked = 0;
	for (const std::string &f : files) {
		auto text = readWholeFile(f);
		if (!text)
			continue; // gone meanwhile
		std::string modalias = stripNewlines(*text);
		INFO(f << ": " << modalias);
		if (modalias.empty())
			continue; // a device without one prints an empty line
		CHECK(validModalias(modalias));
		checked++;
	}
	// The same modaliases as the kernel sends them: the MODALIAS= lines of uevent files.
	for (const std::string &f : findUnderSysDevices("uevent")) {
		auto text = readWholeFile(f);
		if (!text)
			continue;
		for (const std::string &line : split(*text, '\n')) {
			if (!startsWith(line, "MODALIAS="))
				continue;
			INFO(f << ": " << line);
			CHECK(validModalias(line.substr(9)));
			checked++;
		}
	}
	CHECK(checked > 0);
}

TEST_CASE("given the real sysfs, we should list every device find lists, with its modalias",
	  "[host]")
{
	auto ueventFiles = findUnderSysDevices("uevent");
	auto modaliasFiles = findUnderSysDevices("modalias");
	REQUIRE_FALSE(ueventFiles.empty());
	ColdplugStats stats;
	auto events = scanDevices("/", stats);
	std::map<std::string, const Uevent *> byDevpath;
	for (const Uevent &ev : events)
		byDevpath[ev.devpath] = &ev;
	CHECK(byDevpath.size() == events.size()); // each once
	CHECK(std::is_sorted(events.begin(), events.end(), [](const Uevent &a, const Uevent &b) {
		return a.devpath < b.devpath;
	}));

	std::set<std::string> expected;
	for (const std::string &f : ueventFiles)
		expected.insert(parentDevpath(f));
	for (const std::string &f : modaliasFiles)
		expected.insert(parentDevpath(f));
	for (const std::string &devpath : expected) {
		INFO(devpath);
		if (!byDevpath.count(devpath) && !fs::exists("/sys" + devpath))
			continue; // removed between find and the scan
		REQUIRE(byDevpath.count(devpath));
		const Uevent &ev = *byDevpath[devpath];
		std::error_code ec;
		fs::path link = fs::read_symlink("/sys" + devpath + "/subsystem", ec);
		CHECK(ev.subsystem == (ec ? std::string() : link.filename().string()));
		if (auto m = readWholeFile("/sys" + devpath + "/modalias")) {
			// The file and MODALIAS= come from the same driver code.
			CHECK(ev.modalias == stripNewlines(*m));
		}
	}
	for (const Uevent &ev : events) {
		INFO(ev.devpath);
		CHECK((expected.count(ev.devpath) || !fs::exists("/sys" + ev.devpath)));
	}
	CHECK(stats.badModalias == 0);
	INFO("unreadable entries: " << stats.unreadable);
	CHECK(stats.devices == events.size());
}

int main(int argc, char **argv)
{
	std::error_code ec;
	skipUnless(fs::is_directory("/sys/devices", ec), "/sys/devices is not there");
	int status = 0;
	commandLines("command -v find >/dev/null", status);
	skipUnless(status == 0, "'find' is not installed");
	skipUnless(!findUnderSysDevices("uevent").empty(), "no uevent files under /sys/devices");
	return Catch::Session().run(argc, argv);
}
