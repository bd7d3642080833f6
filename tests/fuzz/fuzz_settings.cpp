// modloadd.conf text. Oracles: diagnostics name the file and a line of it; the settings that
// result, printed back as a modloadd.conf, parse to the same settings with no diagnostic (every
// value the parser keeps can be written); every DenyModules= glob is one the list takes again.
#include <fmt/format.h>

#include "config/settings.h"
#include "fuzz_support.h"

using namespace modloadd;
using namespace modloadd::fuzz;

namespace {

constexpr std::string_view kFile = "/etc/modloadd.conf";

std::string_view yesNo(bool b)
{
	return b ? "yes" : "no";
}

// Every key, written as a user would.
std::string print(const Settings &s)
{
	std::string text = "[Load]\n";
	text += fmt::format("Workers={}\n", s.workers);
	text += fmt::format("Backend={}\n",
			    s.backend == BackendKind::Kernel ? "kernel" : "simulated");
	text += fmt::format("SimulationScript={}\n", s.simulationScript);
	text += fmt::format("InstallCommands={}\n",
			    s.installCommands == InstallCommands::Deny ? "deny" : "run");
	text += fmt::format("InsertTimeoutSec={}\n", s.insertTimeoutSec);
	text += fmt::format("WatchConfiguration={}\n", yesNo(s.watchConfiguration));
	text += "[Report]\n";
	text += fmt::format("LogTarget={}\n", s.logTarget);
	text += fmt::format("MetricsFile={}\n", s.metricsFile);
	text += "[Devices]\n";
	text += fmt::format("Coldplug={}\n", yesNo(s.coldplug));
	text += fmt::format("Uevents={}\n", s.uevents == UeventsFrom::Kernel ? "kernel"
					    : s.uevents == UeventsFrom::Udev ? "udev"
									     : "no");
	text += fmt::format("ReceiveBuffer={}\n", s.receiveBuffer);
	text += fmt::format("ReadyTimeoutSec={}\n", s.readyTimeoutSec);
	for (const DenyGlob &d : s.denyModules)
		text += fmt::format("DenyModules={}\n", d.glob);
	return text;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text = asText(data, size);
	Settings parsed;
	Diagnostics diags;
	applySettingsText(parsed, text, kFile, diags);
	expectDiagnosticsPlaced(diags, kFile, lineCount(text));
	for (const DenyGlob &d : parsed.denyModules)
		expect(d.file == kFile && d.line >= 1 && d.line <= lineCount(text),
		       "a DenyModules= glob without its line", d.glob);

	std::string printed = print(parsed);
	Settings reparsed;
	Diagnostics again;
	applySettingsText(reparsed, printed, kFile, again);
	expect(again.empty(), "the settings, printed, gave diagnostics",
	       again.empty() ? printed : again[0].message);
	std::vector<std::string_view> changed = changedSettings(parsed, reparsed);
	expect(changed.empty(), "a setting changed when printed and parsed",
	       changed.empty() ? "" : changed[0]);
	return 0;
}
