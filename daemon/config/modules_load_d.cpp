// modules-load.d(5): the files that list modules to load at boot, read as systemd-modules-load
// does.
#include "config/modules_load_d.h"

#include <fmt/format.h>
#include <iterator>

#include "base/module_name.h"
#include "base/strings.h"

namespace modloadd {

std::vector<Request> parseModulesLoadText(std::string_view text, std::string_view displayPath,
					  Diagnostics &diags)
{
	std::vector<Request> requests;

	// Split on '\n' only; trim() drops the '\r' of CRLF files. A stray NUL does not end a
	// line (systemd's read_line() would): it marks the line as binary, which we reject.
	unsigned lineNo = 0;
	size_t pos = 0;
	while (pos < text.size()) {
		size_t end = text.find('\n', pos);
		if (end == std::string::npos)
			end = text.size();
		std::string_view line = trim(text.substr(pos, end - pos));
		pos = end + 1;
		lineNo++;

		// modules-load.d(5): empty lines and lines starting with '#' or ';' are ignored.
		if (line.empty() || line.front() == '#' || line.front() == ';')
			continue;

		if (auto why = checkModuleName(line)) {
			diags.push_back(
				{std::string(displayPath), lineNo,
				 fmt::format("'{}' {}, ignoring", quoteForDiagnostic(line), *why)});
			continue;
		}
		requests.push_back({std::string(line), fmt::format("{}:{}", displayPath, lineNo)});
	}
	return requests;
}

std::vector<Request> parseModulesLoadFile(const ConfFile &file, Diagnostics &diags)
{
	std::string text;
	if (int r = readConfFileText(file.path, text); r < 0) {
		diags.push_back(readFailure(file.displayPath, r));
		return {};
	}
	return parseModulesLoadText(text, file.displayPath, diags);
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
