// modules-load.d text. Oracles: every name accepted is one libkmod takes whole; every line that
// is not blank or a comment gives a request or a diagnostic (nothing is lost); diagnostics name
// the file and a line of it; the accepted names printed back one per line parse to the same
// names, with no diagnostic.
#include <algorithm>
#include <fmt/format.h>

#include "base/strings.h"
#include "config/modules_load_d.h"
#include "fuzz_support.h"

using namespace modloadd;
using namespace modloadd::fuzz;

namespace {

constexpr std::string_view kFile = "/etc/modules-load.d/fuzz.conf";

// Lines that say something: not blank, not a comment ('#' or ';' first), as modules-load.d(5).
size_t meaningfulLines(std::string_view text)
{
	size_t n = 0;
	for (size_t pos = 0; pos < text.size();) {
		size_t end = std::min(text.find('\n', pos), text.size());
		std::string_view line = trim(text.substr(pos, end - pos));
		n += !line.empty() && line.front() != '#' && line.front() != ';';
		pos = end + 1;
	}
	return n;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	std::string_view text = asText(data, size);
	Diagnostics diags;
	std::vector<Request> requests = parseModulesLoadText(text, kFile, diags);

	expectDiagnosticsPlaced(diags, kFile, lineCount(text));
	expect(requests.size() + diags.size() == meaningfulLines(text),
	       "a line gave neither a request nor a diagnostic");
	std::string printed;
	for (const Request &r : requests) {
		expectKmodTakes(r.name, "modules-load.d");
		expect(r.origin.starts_with(fmt::format("{}:", kFile)),
		       "an origin without its file", r.origin);
		printed += r.name + "\n";
	}

	Diagnostics again;
	std::vector<Request> reparsed = parseModulesLoadText(printed, kFile, again);
	expect(again.empty(), "the accepted names, printed, gave diagnostics",
	       again.empty() ? "" : again[0].message);
	expect(reparsed.size() == requests.size(),
	       "the accepted names, printed, parse to more or fewer");
	for (size_t i = 0; i < requests.size(); i++)
		expect(reparsed[i].name == requests[i].name,
		       "a name changed when printed and parsed", requests[i].name);
	return 0;
}
