// modules-load.d(5): the files that list modules to load at boot, read as systemd-modules-load
// does.
#include "config/modules_load_d.h"

#include <fmt/format.h>
#include <iterator>

#include "base/strings.h"

namespace modloadd {

namespace {

// Kernel module names are at most 56 bytes, but a line may be an alias or a modalias pattern,
// which can be long; PATH_MAX is a generous bound that still stops a runaway line.
constexpr size_t kMaxNameLength = 4096;

} // namespace

std::optional<std::string> checkModuleName(std::string_view name)
{
	if (name.empty())
		return "is empty";
	if (name.size() > kMaxNameLength)
		return fmt::format("is longer than {} bytes", kMaxNameLength);
	// systemd-modules-load hands the line to kmod as a name; a path would be a different
	// (and surprising) thing: kmod would try to load that file.
	if (name.find('/') != std::string_view::npos)
		return "is a path, not a module name";
	if (name == "." || name == "..")
		return "is a path component, not a module name";
	// Everything else printable stays: aliases and modalias patterns use ':', '*', ',', '(',
	// '[' and friends ("pci:v00008086d*sv*", "of:NgpioT(null)Cfoo,bar").
	for (unsigned char c : name) {
		if (c == '\0')
			return "contains a NUL byte (binary data?)";
		if (c >= 0x80)
			return "contains non-ASCII bytes (binary data?)";
		if (kWhitespace.find(static_cast<char>(c)) != std::string_view::npos)
			return "contains whitespace: one module per line, and trailing comments "
			       "are "
			       "not supported";
		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
	}
	return std::nullopt;
}

std::vector<Request> parseModulesLoadFile(const ConfFile &file, Diagnostics &diags)
{
	std::vector<Request> requests;

	std::string text;
	if (int r = readConfFileText(file.path, text); r < 0) {
		diags.push_back(readFailure(file.displayPath, r));
		return requests;
	}

	// Split on '\n' only; trim() drops the '\r' of CRLF files. A stray NUL does not end a
	// line (systemd's read_line() would): it marks the line as binary, which we reject.
	unsigned lineNo = 0;
	size_t pos = 0;
	while (pos < text.size()) {
		size_t end = text.find('\n', pos);
		if (end == std::string::npos)
			end = text.size();
		std::string_view line = trim(std::string_view(text).substr(pos, end - pos));
		pos = end + 1;
		lineNo++;

		// modules-load.d(5): empty lines and lines starting with '#' or ';' are ignored.
		if (line.empty() || line.front() == '#' || line.front() == ';')
			continue;

		if (auto why = checkModuleName(line)) {
			diags.push_back(
				{file.displayPath, lineNo,
				 fmt::format("'{}' {}, ignoring", quoteForDiagnostic(line), *why)});
			continue;
		}
		requests.push_back(
			{std::string(line), fmt::format("{}:{}", file.displayPath, lineNo)});
	}
	return requests;
}

std::vector<Request> readModulesLoadD(std::string_view root, Diagnostics &diags)
{
	std::vector<Request> requests;
	for (const ConfFile &file : listConfFiles(root, "modules-load.d", ".conf", diags)) {
		auto fromFile = parseModulesLoadFile(file, diags);
		requests.insert(requests.end(), std::make_move_iterator(fromFile.begin()),
				std::make_move_iterator(fromFile.end()));
	}
	return requests;
}

} // namespace modloadd
