// Uevents in the kernel's netlink form and as a sysfs `uevent` file. Oracles: a refusal says
// why; an accepted event has its action, its devpath and its SEQNUM, and a modalias that is
// empty or valid and one libkmod takes whole; an accepted message printed back in the kernel's
// form ("ACTION@DEVPATH", then each KEY=VALUE, NUL-terminated) parses to the same event.
#include "fuzz_support.h"
#include "uevent/uevent.h"

using namespace modloadd;
using namespace modloadd::fuzz;

namespace {

void expectModalias(const Uevent &ev)
{
	if (ev.modalias.empty())
		return;
	expect(validModalias(ev.modalias), "a modalias validModalias refuses", ev.modalias);
	expectKmodTakes(ev.modalias, "MODALIAS=");
}

bool same(const Uevent &a, const Uevent &b)
{
	return a.action == b.action && a.devpath == b.devpath && a.subsystem == b.subsystem &&
	       a.devtype == b.devtype && a.modalias == b.modalias && a.seqnum == b.seqnum &&
	       a.properties == b.properties;
}

void checkKernelMessage(std::string_view message)
{
	ParsedUevent ev = parseKernelUevent(message);
	if (!ev) {
		expect(!ev.error().why.empty(), "a refused message without a reason");
		return;
	}
	expect(!ev->action.empty() && !ev->devpath.empty(), "an event without action or devpath",
	       message);
	expect(ev->property("SEQNUM") != nullptr, "an event without SEQNUM", message);
	expectModalias(*ev);

	std::string printed = ev->action + "@" + ev->devpath;
	printed += '\0';
	for (const auto &[key, value] : ev->properties) {
		printed += key + "=" + value;
		printed += '\0';
	}
	ParsedUevent again = parseKernelUevent(printed);
	expect(static_cast<bool>(again), "an accepted event, printed, is refused",
	       again ? "" : again.error().why);
	expect(same(*ev, *again), "an event changed when printed and parsed", printed);
}

void checkSysfsFile(std::string_view text)
{
	Uevent ev = ueventFromSysfs("/devices/fuzz/device", "fuzz", text);
	expect(ev.action == "add" && ev.seqnum == 0, "a coldplug event that is not an add");
	expect(ev.properties.size() >= 3 && ev.properties[0].first == "ACTION" &&
		       ev.properties[1].first == "DEVPATH" && ev.properties[2].first == "SUBSYSTEM",
	       "a coldplug event without ACTION, DEVPATH and SUBSYSTEM first");
	expectModalias(ev);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view input = asText(data, size);
	checkKernelMessage(input);
	checkSysfsFile(input);
	return 0;
}
