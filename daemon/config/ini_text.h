// One INI text read the way systemd reads its unit and configuration files: comments, [Section]
// headers and Key=Value assignments, each handed over with its line number.
#pragma once

#include <functional>
#include <string_view>

#include "base/request.h"

namespace modloadd {

struct IniHandler {
	// A well-formed [SECTION] header. Return false when the section is unknown (after
	// warning once): its assignments are then skipped quietly.
	std::function<bool(unsigned line, std::string_view section)> onSection;
	// KEY=VALUE (both trimmed) inside a known section.
	std::function<void(unsigned line, std::string_view section, std::string_view key,
			   std::string_view value)>
		onAssignment;
};

// Reads TEXT line by line: blank lines and lines starting with '#' or ';' are comments. A
// broken header, an assignment before any section, a line without '=' or with a NUL byte is a
// Diagnostic for DISPLAYPATH and that line (", ignoring"); a broken header also skips the
// assignments under it.
void readIniText(std::string_view text, std::string_view displayPath, const IniHandler &handler,
		 Diagnostics &diags);

} // namespace modloadd
