// modloadd.conf: the daemon's own configuration, systemd-style INI with drop-ins.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/request.h"
#include "config/conf_files.h"

namespace modloadd {

enum class BackendKind { Kernel, Simulated };
enum class InstallCommands { Deny, Run };
// Where hotplug events come from: the kernel's netlink group, udev's (events udev has
// processed), or nowhere (coldplug and the static lists only).
enum class UeventsFrom { Kernel, Udev, None };

// One word of [Devices] DenyModules=: a glob over module names, and where it was written.
struct DenyGlob {
	std::string glob; // fnmatch(3) pattern, '-' read as '_' outside brackets
	std::string file; // as the user knows it (without the --root prefix)
	unsigned line = 0;

	// "sctp (/etc/modloadd.conf:4)"
	std::string describe() const;
	bool operator==(const DenyGlob &) const = default;
};

// The first glob of DENY that matches MODULE (a normalized module name), or none.
const DenyGlob *findDenyGlob(const std::vector<DenyGlob> &deny, std::string_view module);

struct Settings {
	// [Load] Workers= ; 0 = number of online CPUs
	unsigned workers = 0;
	// [Load] Backend=kernel|simulated
	BackendKind backend = BackendKind::Kernel;
	// [Load] SimulationScript=/path (for the simulated backend)
	std::string simulationScript;
	// [Load] InstallCommands=deny|run
	InstallCommands installCommands = InstallCommands::Deny;
	// [Load] InsertTimeoutSec=: how long one insert may run before the module is settled as
	// timed out and loading goes on without it (0: no bound). modloadd(8) argues the default.
	unsigned insertTimeoutSec = 90;
	// [Load] WatchConfiguration=yes|no: reload when modules-load.d or rules.d change
	bool watchConfiguration = true;
	// [Report] LogTarget=auto|journal|console
	std::string logTarget = "auto";
	// [Report] MetricsFile=/path: the Prometheus textfile (report/metrics.h); empty: none
	std::string metricsFile;
	// [Devices] Coldplug=yes|no: load for the devices present at start
	bool coldplug = true;
	// [Devices] Uevents=kernel|udev|no: where hotplug events come from
	UeventsFrom uevents = UeventsFrom::Kernel;
	// [Devices] ReceiveBuffer=BYTES (K, M, G suffixes, base 1024): the netlink socket's buffer
	size_t receiveBuffer = size_t{128} << 20;
	// [Devices] ReadyTimeoutSec=: READY=1 at the latest this long after start, even when
	// coldplug loads are still running (0: wait for them all)
	unsigned readyTimeoutSec = 30;
	// [Devices] DenyModules=GLOB...: modules never loaded because a device asked for them (a
	// person who lists one still gets it). A list: words append, an empty value resets it.
	std::vector<DenyGlob> denyModules;
};

// /etc/modloadd.conf (missing is fine), then the drop-ins modloadd.conf.d/*.conf found with
// listConfFiles() applied in order: a later assignment wins.
Settings readSettings(std::string_view root, Diagnostics &diags);

// The files readSettings() reads, in order: /etc/modloadd.conf when it exists, then the
// drop-ins.
std::vector<ConfFile> settingsFiles(std::string_view root, Diagnostics &diags);

// The keys ("Workers", ...) whose values differ between two settings, in schema order: what a
// reload changed.
std::vector<std::string_view> changedSettings(const Settings &before, const Settings &after);

// Apply one INI text to settings (used by readSettings and tests); displayPath names it in
// diagnostics.
void applySettingsText(Settings &s, std::string_view text, std::string_view displayPath,
		       Diagnostics &diags);

} // namespace modloadd
