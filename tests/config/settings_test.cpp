// Tests for modloadd.conf and its drop-ins.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdlib.h>

#include "base/strings.h"
#include "config/settings.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;
namespace fs = std::filesystem;

namespace {

bool isDefault(const Settings &s)
{
	return changedSettings(Settings{}, s).empty();
}

} // namespace

TEST_CASE("given no configuration at all, we should use the defaults quietly", "[settings]")
{
	TempTree t;
	Diagnostics diags;
	Settings s = readSettings(t.root(), diags);
	CHECK(s.workers == 0);
	CHECK(s.backend == BackendKind::Kernel);
	CHECK(s.simulationScript.empty());
	CHECK(s.installCommands == InstallCommands::Deny);
	CHECK(s.logTarget == "auto");
	CHECK(diags.empty());
}

TEST_CASE("given every key with a valid value, we should set each", "[settings]")
{
	Settings s;
	Diagnostics diags;
	applySettingsText(s,
			  "# modloadd.conf\n"
			  "[Load]\n"
			  "Workers=8\n"
			  "Backend=simulated\n"
			  "SimulationScript=/usr/share/modloadd/sim.txt\n"
			  "InstallCommands=run\n"
			  "\n"
			  "[Report]\n"
			  "LogTarget=console\n",
			  "/etc/modloadd.conf", diags);
	CHECK(diags.empty());
	CHECK(s.workers == 8);
	CHECK(s.backend == BackendKind::Simulated);
	CHECK(s.simulationScript == "/usr/share/modloadd/sim.txt");
	CHECK(s.installCommands == InstallCommands::Run);
	CHECK(s.logTarget == "console");
}

TEST_CASE("given a NUL byte in a value, we should skip the line with its file and line",
	  "[settings]")
{
	using namespace std::string_literals;
	Settings s;
	Diagnostics diags;
	applySettingsText(s, "[Load]\nSimulationScript=/usr/share/x\0/y\nWorkers=3\n"s,
			  "/etc/modloadd.conf", diags);
	REQUIRE(diags.size() == 1);
	CHECK(diags[0].line == 2);
	CHECK(diags[0].message.find("contains a NUL byte") != std::string::npos);
	CHECK(s.simulationScript == Settings().simulationScript);
	CHECK(s.workers == 3);
}

TEST_CASE("given 64 KiB lines, we should report each with its line, short, and apply the rest",
	  "[settings]")
{
	Settings s;
	Diagnostics diags;
	std::string huge(64 * 1024, '9');
	applySettingsText(s,
			  "[Load]\nWorkers=" + huge + "\nInsertTimeoutSec=7\n[" + huge +
				  "]\nX=1\n" + huge + "\n[Devices]\nDenyModules=" + huge + "\n",
			  "/etc/modloadd.conf", diags);
	CHECK(s.workers == Settings().workers);
	CHECK(s.insertTimeoutSec == 7);
	REQUIRE(diags.size() >= 3);
	for (const Diagnostic &d : diags) {
		INFO(d.line << ": " << d.message.substr(0, 200));
		CHECK(d.file == "/etc/modloadd.conf");
		CHECK(d.message.size() < 1024); // the value is cut in the message
	}
	CHECK(diags[0].line == 2);
}

TEST_CASE("given the other enum values, we should accept those too", "[settings]")
{
	Settings s;
	s.backend = BackendKind::Simulated;
	s.installCommands = InstallCommands::Run;
	Diagnostics diags;
	applySettingsText(
		s, "[Load]\nBackend=kernel\nInstallCommands=deny\n[Report]\nLogTarget=journal\n",
		"x", diags);
	CHECK(diags.empty());
	CHECK(s.backend == BackendKind::Kernel);
	CHECK(s.installCommands == InstallCommands::Deny);
	CHECK(s.logTarget == "journal");
	applySettingsText(s, "[Report]\nLogTarget=auto\n", "x", diags);
	CHECK(s.logTarget == "auto");
}

TEST_CASE("given Workers at its bounds, we should accept 0 and 1024", "[settings]")
{
	Settings s;
	Diagnostics diags;
	applySettingsText(s, "[Load]\nWorkers=1024\n", "x", diags);
	CHECK(s.workers == 1024);
	applySettingsText(s, "[Load]\nWorkers=0\n", "x", diags);
	CHECK(s.workers == 0);
	CHECK(diags.empty());
}

TEST_CASE("given padding, comments and CRLF endings, we should still read the values", "[settings]")
{
	Settings s;
	Diagnostics diags;
	applySettingsText(s,
			  "; a comment\r\n"
			  "  # an indented comment\r\n"
			  "  [Load]  \r\n"
			  "\r\n"
			  "  Workers  =  4  \r\n"
			  "\tBackend\t=\tsimulated\r\n",
			  "/etc/modloadd.conf", diags);
	CHECK(diags.empty());
	CHECK(s.workers == 4);
	CHECK(s.backend == BackendKind::Simulated);
}

TEST_CASE("given bad values, we should report each with file and line and keep the setting",
	  "[settings]")
{
	struct Case {
		std::string line;
		std::string key;
	};
	auto c = GENERATE(values<Case>({
		{"Workers=abc", "Workers"},
		{"Workers=1025", "Workers"},
		{"Workers=-1", "Workers"},
		{"Workers=4x", "Workers"},
		{"Workers=+4", "Workers"},
		{"Workers=99999999999999999999", "Workers"},
		{"Backend=qemu", "Backend"},
		{"Backend=Kernel", "Backend"},
		{"SimulationScript=relative/sim.txt", "SimulationScript"},
		{"InstallCommands=yes", "InstallCommands"},
		{"LogTarget=syslog", "LogTarget"},
	}));
	INFO(c.line);

	Settings s;
	s.workers = 3;
	s.backend = BackendKind::Simulated;
	s.simulationScript = "/old";
	s.installCommands = InstallCommands::Run;
	s.logTarget = "journal";
	Settings before = s;

	std::string section = c.key == "LogTarget" ? "[Report]" : "[Load]";
	Diagnostics diags;
	applySettingsText(s, "# header\n" + section + "\n" + c.line + "\n", "/etc/modloadd.conf",
			  diags);

	REQUIRE(diags.size() == 1);
	CHECK(diags[0].file == "/etc/modloadd.conf");
	CHECK(diags[0].line == 3);
	CHECK_THAT(diags[0].message, Catch::StartsWith("Invalid " + c.key + "="));
	CHECK_THAT(diags[0].message, Catch::EndsWith(", ignoring"));
	CHECK(s.workers == before.workers);
	CHECK(s.backend == before.backend);
	CHECK(s.simulationScript == before.simulationScript);
	CHECK(s.installCommands == before.installCommands);
	CHECK(s.logTarget == before.logTarget);
}

TEST_CASE("given an empty value, we should reset that key to its default", "[settings]")
{
	Settings s;
	s.workers = 3;
	s.backend = BackendKind::Simulated;
	s.simulationScript = "/old";
	s.installCommands = InstallCommands::Run;
	s.logTarget = "journal";
	Diagnostics diags;
	applySettingsText(s,
			  "[Load]\nWorkers=\nBackend=\nSimulationScript=\nInstallCommands=\n"
			  "[Report]\nLogTarget=\n",
			  "x", diags);
	CHECK(diags.empty());
	CHECK(isDefault(s));
}

TEST_CASE("given an unknown key, we should report it and apply the rest", "[settings]")
{
	Settings s;
	Diagnostics diags;
	applySettingsText(s, "[Load]\nWorkers=2\nWorkerz=5\nLogTarget=console\n",
			  "/etc/modloadd.conf", diags);
	CHECK(s.workers == 2);
	// LogTarget belongs to [Report], so under [Load] it is unknown too.
	CHECK(s.logTarget == "auto");
	REQUIRE(diags.size() == 2);
	CHECK(diags[0].line == 3);
	CHECK(diags[0].message == "Unknown key 'Workerz' in section [Load], ignoring");
	CHECK(diags[1].line == 4);
}

TEST_CASE("given an unknown section, we should report it once and ignore its keys", "[settings]")
{
	Settings s;
	Diagnostics diags;
	applySettingsText(s, "[Bogus]\nWorkers=5\nAnything=1\n[Load]\nWorkers=6\n",
			  "/etc/modloadd.conf", diags);
	CHECK(s.workers == 6);
	REQUIRE(diags.size() == 1);
	CHECK(diags[0].file == "/etc/modloadd.conf");
	CHECK(diags[0].line == 1);
	CHECK(diags[0].message == "Unknown section 'Bogus', ignoring");
}

TEST_CASE("given malformed lines, we should report each and apply nothing from them", "[settings]")
{
	Settings s;
	Diagnostics diags;
	applySettingsText(s,
			  "Workers=5\n"	 // 1: outside any section
			  "[Load\n"	 // 2: broken header; its keys are skipped
			  "Workers=6\n"	 // 3
			  "[Load]\n"	 // 4
			  "Workers 7\n"	 // 5: no '='
			  "Workers=8\n", // 6
			  "/etc/modloadd.conf", diags);
	CHECK(s.workers == 8);
	REQUIRE(diags.size() == 3);
	CHECK(diags[0].line == 1);
	CHECK(diags[1].line == 2);
	CHECK(diags[2].line == 5);
	for (const Diagnostic &d : diags)
		CHECK_THAT(d.message, Catch::EndsWith(", ignoring"));
}

TEST_CASE("given the main file and drop-ins, we should apply them in order with later winning",
	  "[settings]")
{
	TempTree t;
	t.write("/etc/modloadd.conf", "[Load]\nWorkers=2\nBackend=simulated\n");
	t.write("/usr/lib/modloadd.conf.d/10-vendor.conf",
		"[Load]\nWorkers=3\nInstallCommands=run\n[Report]\nLogTarget=journal\n");
	t.write("/etc/modloadd.conf.d/20-admin.conf", "[Load]\nWorkers=4\n");
	t.write("/run/modloadd.conf.d/30-runtime.conf", "[Report]\nLogTarget=console\n");
	Diagnostics diags;
	Settings s = readSettings(t.root(), diags);
	CHECK(diags.empty());
	CHECK(s.workers == 4);			    // 20-admin beats 10-vendor and the main file
	CHECK(s.backend == BackendKind::Simulated); // only the main file says it
	CHECK(s.installCommands == InstallCommands::Run); // only 10-vendor says it
	CHECK(s.logTarget == "console");		  // 30-runtime is applied last
}

TEST_CASE("given a drop-in in /etc with a vendor drop-in's name, we should apply only /etc's",
	  "[settings]")
{
	TempTree t;
	t.write("/usr/lib/modloadd.conf.d/10-vendor.conf",
		"[Load]\nWorkers=3\nBackend=simulated\n");
	t.write("/etc/modloadd.conf.d/10-vendor.conf", "[Load]\nWorkers=5\n");
	Diagnostics diags;
	Settings s = readSettings(t.root(), diags);
	CHECK(s.workers == 5);
	CHECK(s.backend == BackendKind::Kernel);

	SECTION("or nothing when /etc masks it")
	{
		fs::remove(t.path("/etc/modloadd.conf.d/10-vendor.conf"));
		t.symlink("/dev/null", "/etc/modloadd.conf.d/10-vendor.conf");
		CHECK(isDefault(readSettings(t.root(), diags)));
	}
}

TEST_CASE("given problems in a drop-in, we should name the drop-in as the user knows it",
	  "[settings]")
{
	TempTree t;
	t.write("/usr/lib/modloadd.conf.d/10-vendor.conf", "[Load]\n\nWorkers=many\n");
	Diagnostics diags;
	readSettings(t.root(), diags);
	REQUIRE(diags.size() == 1);
	CHECK(diags[0].file == "/usr/lib/modloadd.conf.d/10-vendor.conf");
	CHECK(diags[0].line == 3);
}

TEST_CASE("given an unreadable main file, we should report it and still read the drop-ins",
	  "[settings]")
{
	TempTree t;
	t.mkdir("/etc/modloadd.conf"); // a directory: unreadable even for root
	t.write("/etc/modloadd.conf.d/a.conf", "[Load]\nWorkers=7\n");
	Diagnostics diags;
	Settings s = readSettings(t.root(), diags);
	CHECK(s.workers == 7);
	REQUIRE(diags.size() == 1);
	CHECK(diags[0].file == "/etc/modloadd.conf");
	CHECK(diags[0].message == "Failed to read: Is a directory, ignoring");
}

TEST_CASE("given the [Devices] keys, we should read each and refuse bad values", "[settings]")
{
	Settings s;
	Diagnostics diags;
	CHECK(s.coldplug);
	CHECK(s.uevents == UeventsFrom::Kernel);
	CHECK(s.receiveBuffer == size_t{128} << 20);
	CHECK(s.readyTimeoutSec == 30);
	applySettingsText(s,
			  "[Devices]\nColdplug=off\nUevents=udev\nReceiveBuffer=64K\n"
			  "ReadyTimeoutSec=0\n",
			  "/etc/modloadd.conf", diags);
	CHECK(diags.empty());
	CHECK_FALSE(s.coldplug);
	CHECK(s.uevents == UeventsFrom::Udev);
	CHECK(s.receiveBuffer == 65536);
	CHECK(s.readyTimeoutSec == 0);
	applySettingsText(s, "[Devices]\nUevents=no\nReceiveBuffer=2G\nColdplug=YES\n", "x.conf",
			  diags);
	CHECK(diags.empty());
	CHECK(s.uevents == UeventsFrom::None);
	CHECK(s.receiveBuffer == size_t{2} << 30);
	CHECK(s.coldplug);

	Settings before = s;
	applySettingsText(s,
			  "[Devices]\nColdplug=maybe\nUevents=netlink\nReceiveBuffer=3G\n"
			  "ReceiveBuffer=1K\nReceiveBuffer=12X\nReceiveBuffer=-1\n"
			  "ReadyTimeoutSec=3601\nReadyTimeoutSec=5s\n",
			  "bad.conf", diags);
	REQUIRE(diags.size() == 8);
	for (unsigned i = 0; i < 8; i++) {
		CHECK(diags[i].line == i + 2);
		CHECK(endsWith(diags[i].message, ", ignoring"));
	}
	CHECK(s.coldplug == before.coldplug);
	CHECK(s.uevents == before.uevents);
	CHECK(s.receiveBuffer == before.receiveBuffer);
	CHECK(s.readyTimeoutSec == before.readyTimeoutSec);

	applySettingsText(s, "[Devices]\nUevents=\nReceiveBuffer=\nReadyTimeoutSec=\n", "r.conf",
			  diags);
	CHECK(isDefault(s));
}

TEST_CASE("given InsertTimeoutSec=, we should read seconds up to an hour, 0 for no bound",
	  "[settings]")
{
	Settings s;
	Diagnostics diags;
	CHECK(s.insertTimeoutSec == 90);
	applySettingsText(s, "[Load]\nInsertTimeoutSec=20\n", "a.conf", diags);
	CHECK(diags.empty());
	CHECK(s.insertTimeoutSec == 20);
	applySettingsText(s, "[Load]\nInsertTimeoutSec=0\n", "a.conf", diags);
	CHECK(s.insertTimeoutSec == 0);
	applySettingsText(s, "[Load]\nInsertTimeoutSec=3601\nInsertTimeoutSec=20s\n", "bad.conf",
			  diags);
	CHECK(diags.size() == 2);
	CHECK(s.insertTimeoutSec == 0);
	applySettingsText(s, "[Load]\nInsertTimeoutSec=\n", "r.conf", diags);
	CHECK(s.insertTimeoutSec == 90);
	Settings other;
	other.insertTimeoutSec = 5;
	CHECK(changedSettings(Settings{}, other) ==
	      std::vector<std::string_view>{"InsertTimeoutSec"});
}

TEST_CASE("given two settings, we should name exactly the keys that differ, in schema order",
	  "[settings]")
{
	Settings before;
	Settings after;
	CHECK(changedSettings(before, after).empty());
	after.readyTimeoutSec = 5;
	after.workers = 3;
	after.watchConfiguration = false;
	after.receiveBuffer = size_t{1} << 20;
	std::vector<std::string_view> want = {"Workers", "WatchConfiguration", "ReceiveBuffer",
					      "ReadyTimeoutSec"};
	CHECK(changedSettings(before, after) == want);
	CHECK(changedSettings(after, before) == want);
	after = before;
	after.logTarget = "console";
	after.uevents = UeventsFrom::Udev;
	after.coldplug = false;
	after.simulationScript = "/x";
	after.backend = BackendKind::Simulated;
	after.installCommands = InstallCommands::Run;
	want = {"Backend",   "SimulationScript", "InstallCommands",
		"LogTarget", "Coldplug",	 "Uevents"};
	CHECK(changedSettings(before, after) == want);
}

TEST_CASE("given WatchConfiguration=, we should take a boolean and reset on empty", "[settings]")
{
	Settings s;
	Diagnostics diags;
	applySettingsText(s, "[Load]\nWatchConfiguration=no\n", "x", diags);
	CHECK(diags.empty());
	CHECK_FALSE(s.watchConfiguration);
	applySettingsText(s, "[Load]\nWatchConfiguration=\n", "x", diags);
	CHECK(s.watchConfiguration);
	applySettingsText(s, "[Load]\nWatchConfiguration=sometimes\n", "x", diags);
	REQUIRE(diags.size() == 1);
	CHECK(diags[0].message.find("expected a boolean") != std::string::npos);
	CHECK(s.watchConfiguration);
}

TEST_CASE("given MetricsFile=, we should take an absolute file name, and none by default",
	  "[settings]")
{
	Settings s;
	CHECK(s.metricsFile.empty());
	Diagnostics diags;
	applySettingsText(s, "[Report]\nMetricsFile=/var/lib/node_exporter/modloadd.prom\n", "x",
			  diags);
	CHECK(diags.empty());
	CHECK(s.metricsFile == "/var/lib/node_exporter/modloadd.prom");
	CHECK(changedSettings(Settings{}, s) == std::vector<std::string_view>{"MetricsFile"});
	for (const char *bad : {"modloadd.prom", "/var/lib/node_exporter/"}) {
		INFO(bad);
		diags.clear();
		applySettingsText(s, std::string("[Report]\nMetricsFile=") + bad + "\n", "x",
				  diags);
		REQUIRE(diags.size() == 1);
		CHECK(diags[0].message.find("expected an absolute file name") != std::string::npos);
		CHECK(s.metricsFile == "/var/lib/node_exporter/modloadd.prom");
	}
	applySettingsText(s, "[Report]\nMetricsFile=\n", "x", diags);
	CHECK(s.metricsFile.empty());
}

TEST_CASE("given DenyModules= lines, we should append globs with their place, '-' read as '_'",
	  "[settings][deny]")
{
	Settings s;
	Diagnostics diags;
	applySettingsText(s,
			  "[Devices]\n"
			  "DenyModules=dccp sctp\n"
			  "DenyModules=  n-hdlc\tnet-pf-[0-9]* 'rds'\n"
			  "DenyModules=sctp\n",
			  "/etc/modloadd.conf", diags);
	CHECK(diags.empty());
	REQUIRE(s.denyModules.size() == 5);
	CHECK(s.denyModules[0] == DenyGlob{"dccp", "/etc/modloadd.conf", 2});
	CHECK(s.denyModules[1] == DenyGlob{"sctp", "/etc/modloadd.conf", 2}); // the first place
	CHECK(s.denyModules[2] == DenyGlob{"n_hdlc", "/etc/modloadd.conf", 3});
	// A range inside brackets keeps its '-'.
	CHECK(s.denyModules[3].glob == "net_pf_[0-9]*");
	CHECK(s.denyModules[4].glob == "rds");
	CHECK(s.denyModules[1].describe() == "sctp (/etc/modloadd.conf:2)");
}

TEST_CASE("given an empty DenyModules=, we should drop what came before it", "[settings][deny]")
{
	TempTree t;
	t.write("/usr/lib/modloadd.conf.d/10-vendor.conf", "[Devices]\nDenyModules=dccp sctp\n");
	t.write("/etc/modloadd.conf.d/20-admin.conf",
		"[Devices]\nDenyModules=\nDenyModules=tipc\n");
	Diagnostics diags;
	Settings s = readSettings(t.root(), diags);
	CHECK(diags.empty());
	REQUIRE(s.denyModules.size() == 1);
	CHECK(s.denyModules[0] == DenyGlob{"tipc", "/etc/modloadd.conf.d/20-admin.conf", 3});
}

TEST_CASE("given bad words in DenyModules=, we should report each with its line and keep the rest",
	  "[settings][deny]")
{
	Settings s;
	Diagnostics diags;
	applySettingsText(s,
			  "[Devices]\n"
			  "DenyModules=dccp ../evil sctp pci:v*\n"
			  "DenyModules=[abc x[]y [!] ok*\n"
			  "DenyModules=\"unterminated tipc\n",
			  "/etc/modloadd.conf", diags);
	std::vector<std::string> globs;
	for (const DenyGlob &d : s.denyModules)
		globs.push_back(d.glob);
	CHECK(globs == std::vector<std::string>{"dccp", "sctp", "ok*"});
	REQUIRE(diags.size() == 6);
	std::vector<unsigned> lines;
	for (const Diagnostic &d : diags) {
		CHECK(d.file == "/etc/modloadd.conf");
		CHECK_THAT(d.message, Catch::Contains("DenyModules="));
		CHECK_THAT(d.message, Catch::EndsWith("ignoring") ||
					      Catch::EndsWith("ignoring the rest of the line"));
		lines.push_back(d.line);
	}
	CHECK(lines == std::vector<unsigned>{2, 2, 3, 3, 3, 4});
	CHECK_THAT(diags[0].message, Catch::Contains("'../evil'"));
}

TEST_CASE("given DenyModules= globs, we should match module names with the first that does",
	  "[settings][deny]")
{
	Settings s;
	Diagnostics diags;
	applySettingsText(s, "[Devices]\nDenyModules=ax25 net?om can* [!a]fs\n", "x", diags);
	REQUIRE(diags.empty());
	CHECK(findDenyGlob(s.denyModules, "ax25") == &s.denyModules[0]);
	CHECK(findDenyGlob(s.denyModules, "netrom") == &s.denyModules[1]);
	CHECK(findDenyGlob(s.denyModules, "can_raw") == &s.denyModules[2]);
	CHECK(findDenyGlob(s.denyModules, "xfs") == &s.denyModules[3]);
	CHECK(findDenyGlob(s.denyModules, "afs") == nullptr);
	CHECK(findDenyGlob(s.denyModules, "ax25x") == nullptr);
	CHECK(findDenyGlob(s.denyModules, "e1000") == nullptr);
	CHECK(findDenyGlob({}, "sctp") == nullptr);
}

TEST_CASE("given DenyModules= moved to another line only, we should not call it changed",
	  "[settings][deny]")
{
	Settings before;
	Settings after;
	before.denyModules = {{"sctp", "/etc/modloadd.conf", 2}};
	after.denyModules = {{"sctp", "/etc/modloadd.conf.d/x.conf", 7}};
	CHECK(changedSettings(before, after).empty());
	after.denyModules.push_back({"dccp", "/etc/modloadd.conf", 3});
	CHECK(changedSettings(before, after) == std::vector<std::string_view>{"DenyModules"});
	CHECK_FALSE(isDefault(after));
}

TEST_CASE("given the shipped example modloadd.conf, we should read the defaults, and its "
	  "suggested DenyModules= without a problem once uncommented",
	  "[settings][deny]")
{
	const char *source = getenv("MODLOADD_SOURCE_ROOT");
	REQUIRE(source);
	std::ifstream in(std::string(source) + "/conf/modloadd.conf");
	REQUIRE(in);
	std::stringstream text;
	text << in.rdbuf();
	Settings s;
	Diagnostics diags;
	applySettingsText(s, text.str(), "/etc/modloadd.conf", diags);
	CHECK(diags.empty());
	CHECK(isDefault(s));

	// Every commented assignment, uncommented, is valid (the install lines are modprobe.d's).
	std::string uncommented;
	std::istringstream lines(text.str());
	size_t denyLines = 0;
	for (std::string line; std::getline(lines, line);) {
		if (startsWith(line, "#") && line.find('=') != std::string::npos &&
		    line.find(' ') > line.find('=')) {
			line.erase(0, 1);
			denyLines += startsWith(line, "DenyModules=");
		}
		uncommented += line + "\n";
	}
	CHECK(denyLines == 2);
	Settings all;
	applySettingsText(all, uncommented, "/etc/modloadd.conf", diags);
	for (const Diagnostic &d : diags)
		FAIL_CHECK(d.line << ": " << d.message);
	CHECK(changedSettings(Settings{}, all) == std::vector<std::string_view>{"DenyModules"});
	CHECK(findDenyGlob(all.denyModules, "firewire_ohci"));
	CHECK(findDenyGlob(all.denyModules, "gspca_sonixb"));
	CHECK_FALSE(findDenyGlob(all.denyModules, "e1000e"));
	CHECK_FALSE(findDenyGlob(all.denyModules, "usb_storage"));
}
