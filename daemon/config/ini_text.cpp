// INI texts as systemd reads them, line by line.
#include "config/ini_text.h"

#include <fmt/format.h>
#include <optional>
#include <string>

#include "base/strings.h"
#include "config/conf_files.h"

namespace modloadd {

void readIniText(std::string_view text, std::string_view displayPath, const IniHandler &handler,
		 Diagnostics &diags)
{
	auto warn = [&](unsigned lineNo, std::string message) {
		diags.push_back({std::string(displayPath), lineNo, std::move(message)});
	};

	std::optional<std::string> section; // nullopt before the first header
	bool sectionIgnored = false;	    // unknown or broken header: skip its keys quietly

	unsigned lineNo = 0;
	size_t pos = 0;
	while (pos < text.size()) {
		size_t end = text.find('\n', pos);
		if (end == std::string_view::npos)
			end = text.size();
		std::string_view line = trim(text.substr(pos, end - pos));
		pos = end + 1;
		lineNo++;

		if (line.empty() || line.front() == '#' || line.front() == ';')
			continue;
		// A NUL would cut a value short where it is handed on as a C string (a path
		// "/etc\0/x" would be tested as "/etc"): binary data, not configuration.
		if (line.find('\0') != std::string_view::npos) {
			warn(lineNo, fmt::format("Line '{}' contains a NUL byte (binary data?), "
						 "ignoring",
						 quoteForDiagnostic(line)));
			if (line.front() == '[') {
				section = std::string();
				sectionIgnored = true;
			}
			continue;
		}

		if (line.front() == '[') {
			if (line.size() < 2 || line.back() != ']') {
				warn(lineNo, fmt::format("Invalid section header '{}', ignoring",
							 quoteForDiagnostic(line)));
				section = std::string();
				sectionIgnored = true;
				continue;
			}
			section = std::string(line.substr(1, line.size() - 2));
			sectionIgnored = !handler.onSection(lineNo, *section);
			continue;
		}

		if (!section) {
			warn(lineNo, fmt::format("Assignment outside of any section '{}', ignoring",
						 quoteForDiagnostic(line)));
			continue;
		}
		if (sectionIgnored)
			continue;

		size_t eq = line.find('=');
		if (eq == std::string_view::npos) {
			warn(lineNo, fmt::format("Missing '=' in '{}', ignoring",
						 quoteForDiagnostic(line)));
			continue;
		}
		handler.onAssignment(lineNo, *section, trim(line.substr(0, eq)),
				     trim(line.substr(eq + 1)));
	}
}

} // namespace modloadd
