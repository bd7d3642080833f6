// Device conditions: PCI and USB ids and modaliases of the devices present.
#include "rules/device_conditions.h"

#include <algorithm>
#include <cassert>
#include <cctype>
#include <fnmatch.h>
#include <variant>

#include "base/strings.h"

namespace modloadd {

namespace {

// "1af4" from "1AF4" or "1af4", padded to WIDTH hex digits ("46d" -> "046d"); empty when not hex.
std::string hexField(std::string_view s, size_t width)
{
	if (s.empty() || s.size() > width ||
	    !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); }))
		return {};
	return std::string(width - s.size(), '0') + asciiLower(s);
}

// The hex digits after TAG at POS in a modalias ("v00001AF4" -> "00001af4").
std::string modaliasField(std::string_view alias, std::string_view tag, size_t digits, size_t &pos)
{
	if (alias.compare(pos, tag.size(), tag) != 0 || pos + tag.size() + digits > alias.size())
		return {};
	std::string f = hexField(alias.substr(pos + tag.size(), digits), digits);
	pos += tag.size() + digits;
	return f;
}

bool globMatch(const std::string &pattern, const std::string &value)
{
	return !value.empty() && fnmatch(pattern.c_str(), value.c_str(), 0) == 0;
}

// "VENDOR[:DEVICE[:CLASS]]" against one device's ids; missing parts match anything.
bool idsMatch(const std::vector<std::string> &parts, const std::vector<const std::string *> &ids)
{
	for (size_t i = 0; i < parts.size() && i < ids.size(); i++)
		if (!globMatch(parts[i], *ids[i]))
			return false;
	return true;
}

} // namespace

DeviceFacts deviceFacts(const Uevent &event)
{
	DeviceFacts f;
	f.modalias = event.modalias;
	std::string_view alias = event.modalias;
	if (startsWith(alias, "pci:")) {
		// pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02Xi%02X
		size_t pos = 4;
		std::string v = modaliasField(alias, "v", 8, pos);
		std::string d = modaliasField(alias, "d", 8, pos);
		modaliasField(alias, "sv", 8, pos);
		modaliasField(alias, "sd", 8, pos);
		std::string bc = modaliasField(alias, "bc", 2, pos);
		std::string sc = modaliasField(alias, "sc", 2, pos);
		std::string pi = modaliasField(alias, "i", 2, pos);
		if (v.size() == 8 && d.size() == 8) {
			f.pciVendor = v.substr(4);
			f.pciDevice = d.substr(4);
		}
		if (!bc.empty() && !sc.empty() && !pi.empty())
			f.pciClass = bc + sc + pi;
	} else if (startsWith(alias, "usb:")) {
		// usb:v%04Xp%04Xd%04X...
		size_t pos = 4;
		f.usbVendor = modaliasField(alias, "v", 4, pos);
		f.usbProduct = modaliasField(alias, "p", 4, pos);
	}
	if (f.pciVendor.empty() && event.subsystem == "pci") {
		if (const std::string *id = event.property("PCI_ID")) {
			auto parts = split(*id, ':');
			if (parts.size() == 2) {
				f.pciVendor = hexField(parts[0], 4);
				f.pciDevice = hexField(parts[1], 4);
			}
		}
		if (const std::string *cls = event.property("PCI_CLASS"))
			f.pciClass = hexField(*cls, 6);
	}
	if (f.usbVendor.empty() && event.subsystem == "usb") {
		// PRODUCT=46d/c52b/1201 on usb_device events, which carry no MODALIAS.
		if (const std::string *product = event.property("PRODUCT")) {
			auto parts = split(*product, '/');
			if (parts.size() >= 2) {
				f.usbVendor = hexField(parts[0], 4);
				f.usbProduct = hexField(parts[1], 4);
			}
		}
	}
	return f;
}

bool DeviceSet::apply(const Uevent &event)
{
	if (event.action == "remove") {
		if (auto it = devices_.find(event.devpath); it != devices_.end())
			devices_.erase(it);
		return false;
	}
	if (event.action != "add" && event.action != "bind" && event.action != "change")
		return false;
	DeviceFacts f = deviceFacts(event);
	if (f.modalias.empty() && f.pciVendor.empty() && f.usbVendor.empty())
		return false; // nothing a device condition could match
	return devices_.insert_or_assign(event.devpath, std::move(f)).second;
}

bool testDeviceCondition(const Condition &c, const DeviceSet &devices)
{
	assert(isDeviceCondition(c.type));
	// Only what parseCondition() read; a Condition it did not make holds nothing.
	const auto *ids = std::get_if<DeviceIdMatch>(&c.parsed);
	const auto *alias = std::get_if<ModaliasGlob>(&c.parsed);
	for (const auto &[devpath, f] : devices.devices()) {
		switch (c.type) {
		case ConditionType::PCIDevice:
			if (ids && !f.pciVendor.empty() &&
			    idsMatch(ids->parts, {&f.pciVendor, &f.pciDevice, &f.pciClass}))
				return true;
			break;
		case ConditionType::USBDevice:
			if (ids && !f.usbVendor.empty() &&
			    idsMatch(ids->parts, {&f.usbVendor, &f.usbProduct}))
				return true;
			break;
		case ConditionType::Modalias:
			if (alias && globMatch(alias->glob, f.modalias))
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

} // namespace modloadd
