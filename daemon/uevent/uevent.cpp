// Uevents as values: parsing the kernel's netlink messages and sysfs uevent files.
#include "uevent/uevent.h"

#include <algorithm>
#include <charconv>
#include <fmt/format.h>

namespace modloadd {

namespace {

bool printableNoSpace(char c)
{
	return c >= 0x21 && c <= 0x7e;
}

// Consumers join a devpath under /sys to read attributes, so it must stay inside it.
bool validDevpath(std::string_view devpath)
{
	if (devpath.size() < 2 || devpath.front() != '/' || devpath.back() == '/')
		return false;
	size_t start = 1;
	while (start <= devpath.size()) {
		size_t end = devpath.find('/', start);
		if (end == std::string_view::npos)
			end = devpath.size();
		std::string_view part = devpath.substr(start, end - start);
		if (part.empty() || part == "." || part == "..")
			return false;
		for (char c : part)
			if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
				return false;
		start = end + 1;
	}
	return true;
}

// The kernel's cpu uevent passes its modalias text with the newline that ends the sysfs
// attribute ("MODALIAS=cpu:type:...\n"); udev keeps it and relies on a trailing '*' in the
// aliases. A modalias is compared without it.
std::string_view stripTrailingNewlines(std::string_view v)
{
	while (!v.empty() && v.back() == '\n')
		v.remove_suffix(1);
	return v;
}

// True the first time for `seen`.
bool once(bool &seen)
{
	bool first = !seen;
	seen = true;
	return first;
}

UeventRefusal refuse(UeventDrop kind, std::string why)
{
	return {kind, std::move(why)};
}

// The NUL-separated fields of `block`, which must end with a NUL and hold no empty field (the
// kernel and udev write neither). False + `why` otherwise.
bool splitNulFields(std::string_view block, std::vector<std::string_view> &fields, std::string &why)
{
	if (block.empty()) {
		why = "no fields";
		return false;
	}
	if (block.back() != '\0') {
		why = "last field not NUL-terminated (truncated?)";
		return false;
	}
	size_t start = 0;
	while (start < block.size()) {
		size_t end = block.find('\0', start);
		if (end == start) {
			why = fmt::format("empty field at byte {}", start);
			return false;
		}
		fields.push_back(block.substr(start, end - start));
		start = end + 1;
	}
	return true;
}

// KEY=VALUE fields into `ev`: ACTION, DEVPATH and SEQNUM must be there, once each. The
// modalias is taken as sent; checkDecodedUevent() strips the cpu's newline and judges it.
ParsedUevent parseProperties(const std::vector<std::string_view> &fields, size_t first)
{
	Uevent ev;
	bool haveAction = false, haveDevpath = false, haveSeqnum = false, haveSubsystem = false;
	bool haveDevtype = false, haveModalias = false;
	std::string_view modaliasValue;
	for (size_t i = first; i < fields.size(); i++) {
		std::string_view field = fields[i];
		size_t eq = field.find('=');
		if (eq == std::string_view::npos || eq == 0)
			return refuse(UeventDrop::Malformed,
				      fmt::format("field {} is not KEY=VALUE", i));
		std::string_view key = field.substr(0, eq);
		std::string_view value = field.substr(eq + 1);
		for (char c : key)
			if (!printableNoSpace(c))
				return refuse(UeventDrop::Malformed,
					      fmt::format("field {} has a bad key", i));
		// The identity of the event must be unambiguous; a second copy of one of these
		// means the message was not written by the kernel or udev.
		if (key == "ACTION") {
			if (!once(haveAction))
				return refuse(UeventDrop::Malformed, "duplicate ACTION");
			ev.action = value;
		} else if (key == "DEVPATH") {
			if (!once(haveDevpath))
				return refuse(UeventDrop::Malformed, "duplicate DEVPATH");
			ev.devpath = value;
		} else if (key == "SUBSYSTEM") {
			if (!once(haveSubsystem))
				return refuse(UeventDrop::Malformed, "duplicate SUBSYSTEM");
			ev.subsystem = value;
		} else if (key == "SEQNUM") {
			if (!once(haveSeqnum))
				return refuse(UeventDrop::Malformed, "duplicate SEQNUM");
			auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(),
							 ev.seqnum, 10);
			if (value.empty() || ec != std::errc() ||
			    end != value.data() + value.size() || ev.seqnum == 0)
				return refuse(UeventDrop::Malformed, "bad SEQNUM");
		} else if (key == "DEVTYPE" && !haveDevtype) {
			haveDevtype = true;
			ev.devtype = value;
		} else if (key == "MODALIAS" && !haveModalias) {
			haveModalias = true;
			modaliasValue = value;
		}
		ev.properties.emplace_back(key, value);
	}
	// Fields missing from the message; their values (an empty ACTION, the DEVPATH, the
	// modalias) are judged by checkDecodedUevent(), as for an event libudev decoded.
	if (!haveAction)
		return refuse(UeventDrop::Malformed, "no ACTION");
	if (!haveDevpath)
		return refuse(UeventDrop::Malformed, "no DEVPATH");
	if (!haveSeqnum)
		return refuse(UeventDrop::Malformed, "no SEQNUM");
	ev.modalias = modaliasValue;
	return ev;
}

// The last check, once the message's structure is known to be sound: a malformed message is
// malformed whatever its modalias.
ParsedUevent checkModalias(Uevent ev)
{
	if (!ev.modalias.empty() && !validModalias(ev.modalias))
		return refuse(UeventDrop::BadModalias,
			      fmt::format("bad MODALIAS ({} bytes)", ev.modalias.size()));
	return ev;
}

} // namespace

const std::string *Uevent::property(std::string_view key) const
{
	for (const auto &[k, v] : properties)
		if (k == key)
			return &v;
	return nullptr;
}

std::string_view Uevent::kernelName() const
{
	std::string_view path = devpath;
	size_t slash = path.rfind('/');
	return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

ParsedUevent parseKernelUevent(std::string_view message)
{
	if (message.empty())
		return refuse(UeventDrop::Malformed, "empty message");
	std::vector<std::string_view> fields;
	std::string reason;
	if (!splitNulFields(message, fields, reason))
		return refuse(UeventDrop::Malformed, std::move(reason));
	std::string_view header = fields[0];
	size_t at = header.find('@');
	if (at == std::string_view::npos)
		return refuse(UeventDrop::Malformed, "no '@' in the header");
	auto ev = parseProperties(fields, 1);
	if (!ev)
		return ev;
	// The header is what in-kernel and BPF filters look at; a message whose header and
	// fields disagree was not written by the kernel.
	if (header.substr(0, at) != ev->action || header.substr(at + 1) != ev->devpath)
		return refuse(UeventDrop::Malformed, "header does not match ACTION@DEVPATH");
	return checkDecodedUevent(std::move(*ev));
}

ParsedUevent checkDecodedUevent(Uevent ev)
{
	if (ev.action.empty())
		return refuse(UeventDrop::Malformed, "no ACTION");
	if (ev.seqnum == 0)
		return refuse(UeventDrop::Malformed, "no SEQNUM");
	if (!validDevpath(ev.devpath))
		return refuse(UeventDrop::Malformed, "bad DEVPATH");
	ev.modalias.resize(stripTrailingNewlines(ev.modalias).size());
	return checkModalias(std::move(ev));
}

Uevent ueventFromSysfs(std::string devpath, std::string subsystem, std::string_view ueventFileText)
{
	Uevent ev;
	ev.action = "add";
	ev.properties.emplace_back("ACTION", "add");
	ev.properties.emplace_back("DEVPATH", devpath);
	if (!subsystem.empty())
		ev.properties.emplace_back("SUBSYSTEM", subsystem);
	ev.devpath = std::move(devpath);
	ev.subsystem = std::move(subsystem);
	bool haveModalias = false;
	size_t start = 0;
	while (start < ueventFileText.size()) {
		size_t end = ueventFileText.find('\n', start);
		if (end == std::string_view::npos)
			end = ueventFileText.size();
		std::string_view line = ueventFileText.substr(start, end - start);
		start = end + 1;
		size_t eq = line.find('=');
		if (eq == std::string_view::npos || eq == 0)
			continue; // the cpu's MODALIAS ends in an extra newline: an empty line
		std::string_view key = line.substr(0, eq);
		std::string_view value = line.substr(eq + 1);
		if (key == "DEVTYPE" && ev.devtype.empty())
			ev.devtype = value;
		else if (key == "SUBSYSTEM" && ev.subsystem.empty())
			ev.subsystem = value;
		else if (key == "MODALIAS" && !haveModalias) {
			haveModalias = true;
			if (validModalias(value))
				ev.modalias = value;
		}
		ev.properties.emplace_back(key, value);
	}
	return ev;
}

// The bounds, checked against the kernel's modalias writers (file2alias and the drivers'
// uevent and modalias attributes) and the devices of a running machine:
//
// - Length: real modaliases are far longer than a few hundred bytes. The cpu's lists every CPU
//   feature (643 bytes on a 2-core VM, more on big hosts), `of:` ones carry every compatible
//   string, `dmi:` ones a dozen firmware strings. The kernel bounds them by what it can write:
//   a sysfs attribute is one 4 KiB page with its newline, a uevent environment 2 KiB. So
//   anything up to PATH_MAX - 1 may be real, and nothing shorter than PATH_MAX can overflow
//   libkmod's alias normalisation, whose bracket loop is unbounded within a PATH_MAX buffer.
// - Characters: the kernel keeps modaliases to printable ASCII without space: DMI strings are
//   filtered to 0x21..0x7e minus ':', spaces in OF compatibles become '_', the rest is hex,
//   names and punctuation. A space or control byte would not survive modules.alias either.
// - Brackets: DMI's filter keeps '[' and ']' from firmware strings, so a real modalias may
//   hold them. libkmod refuses a ']' outside a bracket expression and an unclosed '[', so such
//   a modalias can never be looked up; refusing it here loses nothing.
bool validModalias(std::string_view modalias)
{
	if (modalias.empty() || modalias.size() > kMaxModaliasLength)
		return false;
	return std::all_of(modalias.begin(), modalias.end(), printableNoSpace) &&
	       bracketsBalanced(modalias);
}

} // namespace modloadd
