// Device events to requests, mirroring systemd's 80-drivers.rules and Debian's sg rule.
#include "uevent/device_requests.h"

#include "base/strings.h"

#include <fmt/format.h>

namespace modloadd {

namespace {

Request fixedModule(const Uevent &e, std::string module, std::string_view why)
{
	Request r;
	r.name = std::move(module);
	r.origin = fmt::format("device {} ({})", e.devpath, why);
	r.devpath = e.devpath;
	return r;
}

// CPU modaliases list every feature flag (a kilobyte and more): the sentence gets the start,
// the MODLOADD_MODALIAS= field the whole.
std::string shortened(std::string_view modalias)
{
	constexpr size_t kShown = 64;
	if (modalias.size() <= kShown)
		return std::string(modalias);
	return fmt::format("{}...", modalias.substr(0, kShown - 3));
}

bool propertyIs(const Uevent &e, std::string_view key, std::string_view value)
{
	const std::string *v = e.property(key);
	return v && *v == value;
}

} // namespace

std::vector<Request> requestsForDevice(const Uevent &e)
{
	std::vector<Request> out;
	if (e.action != "add")
		return out;

	if (!e.modalias.empty() && validModalias(e.modalias)) {
		Request r;
		r.name = e.modalias;
		r.origin = fmt::format("device {} ({})", e.devpath, shortened(e.modalias));
		r.devpath = e.devpath;
		r.modalias = e.modalias;
		out.push_back(std::move(r));
	}

	// Subsystems whose devices carry no modalias but still need a driver module
	// (80-drivers.rules). The kernel names below are the device's last devpath component.
	std::string_view kernel = e.kernelName();
	if (e.subsystem == "tifm" && propertyIs(e, "TIFM_CARD_TYPE", "SD"))
		out.push_back(fixedModule(e, "tifm_sd", "TIFM_CARD_TYPE=SD"));
	else if (e.subsystem == "tifm" && propertyIs(e, "TIFM_CARD_TYPE", "MS"))
		out.push_back(fixedModule(e, "tifm_ms", "TIFM_CARD_TYPE=MS"));
	if (e.subsystem == "memstick") {
		out.push_back(fixedModule(e, "ms_block", "memstick"));
		out.push_back(fixedModule(e, "mspro_block", "memstick"));
	}
	if (e.subsystem == "i2o")
		out.push_back(fixedModule(e, "i2o_block", "i2o"));
	if (e.subsystem == "module" && kernel == "parport_pc")
		out.push_back(fixedModule(e, "ppdev", "parport_pc is live"));
	if (startsWith(kernel, "mtd") && endsWith(kernel, "ro") &&
	    propertyIs(e, "MTD_FTL", "smartmedia"))
		out.push_back(fixedModule(e, "sm_ftl", "MTD_FTL=smartmedia"));
	// Debian loads the SCSI generic driver for every SCSI device (old tape and changer
	// tools expect /dev/sg*); a loader that takes over from udev must too, or the module
	// set differs from the stock boot.
	if (e.subsystem == "scsi" && e.devtype == "scsi_device")
		out.push_back(fixedModule(e, "sg", "SCSI device"));
	return out;
}

} // namespace modloadd
