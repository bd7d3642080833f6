// The kernel command line, read in the initrd and outside it. Oracles: every name accepted (to
// load or to blacklist) is one libkmod takes whole; the diagnostics name the command line; what
// was accepted, printed back as modules_load=, rd.modules_load=, modprobe.blacklist= and
// module_blacklist= words, parses to the same lists with no diagnostic.
#include <algorithm>
#include <fmt/format.h>
#include <set>

#include "config/kernel_cmdline.h"
#include "fuzz_support.h"

using namespace modloadd;
using namespace modloadd::fuzz;

namespace {

std::set<std::string> asSet(const std::vector<std::string> &names)
{
	return {names.begin(), names.end()};
}

void check(std::string_view cmdline, bool initrd)
{
	Diagnostics diags;
	KernelCmdline parsed = parseKernelCmdline(cmdline, initrd, diags);
	for (const Diagnostic &d : diags) {
		expect(d.line == 0 && !d.file.empty(), "a diagnostic not about the command line",
		       d.file);
		expect(!d.message.empty(), "a diagnostic says nothing");
	}

	std::string printed;
	for (const Request &r : parsed.modulesLoad) {
		expectKmodTakes(r.name, "modules_load=");
		bool rd = r.origin.find("rd.modules_load") != std::string::npos;
		expect(initrd || !rd, "rd.modules_load= counted outside the initrd");
		printed += fmt::format("{}modules_load={} ", rd ? "rd." : "", r.name);
	}
	for (const std::string &name : parsed.blacklist) {
		expectKmodTakes(name, "modprobe.blacklist=");
		bool forbidden = std::find(parsed.forbidden.begin(), parsed.forbidden.end(),
					   name) != parsed.forbidden.end();
		printed += fmt::format("{}={} ",
				       forbidden ? "module_blacklist" : "modprobe.blacklist", name);
	}
	for (const std::string &name : parsed.forbidden)
		expect(std::find(parsed.blacklist.begin(), parsed.blacklist.end(), name) !=
			       parsed.blacklist.end(),
		       "a module_blacklist= name is not blacklisted", name);

	Diagnostics again;
	KernelCmdline reparsed = parseKernelCmdline(printed, initrd, again);
	expect(again.empty(), "what was accepted, printed, gave diagnostics", printed);
	expect(reparsed.modulesLoad.size() == parsed.modulesLoad.size(),
	       "modules_load= printed and parsed gives more or fewer", printed);
	for (size_t i = 0; i < parsed.modulesLoad.size(); i++)
		expect(reparsed.modulesLoad[i].name == parsed.modulesLoad[i].name &&
			       reparsed.modulesLoad[i].origin == parsed.modulesLoad[i].origin,
		       "a modules_load= name changed when printed and parsed", printed);
	expect(asSet(reparsed.blacklist) == asSet(parsed.blacklist),
	       "the blacklist changed when printed and parsed", printed);
	expect(asSet(reparsed.forbidden) == asSet(parsed.forbidden),
	       "module_blacklist= changed when printed and parsed", printed);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view cmdline = asText(data, size);
	check(cmdline, false);
	check(cmdline, true);
	return 0;
}
