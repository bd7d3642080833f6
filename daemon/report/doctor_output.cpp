// The words and the JSON of `modloadctl doctor`.
#include "report/doctor_output.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace modloadd {

namespace {

using Json = nlohmann::ordered_json;

const char *severityWord(Severity s)
{
	switch (s) {
	case Severity::Error:
		return "error";
	case Severity::Warning:
		return "warning";
	case Severity::Info:
		return "info";
	}
	return "warning";
}

} // namespace

std::string doctorText(const DoctorReport &report)
{
	std::string out;
	size_t counts[3] = {0, 0, 0};
	for (const Finding &f : report.findings) {
		counts[static_cast<int>(f.severity)]++;
		out += fmt::format("{:<7} {} {}: {}\n", severityWord(f.severity), f.id,
				   f.module.empty() ? "-" : f.module, f.message);
		if (!f.fix.empty())
			out += fmt::format("        fix: {}\n", f.fix);
	}
	if (report.findings.empty())
		out += fmt::format("kernel {}: no findings\n", report.kernel);
	else
		out += fmt::format("kernel {}: {} finding{} ({} error{}, {} warning{}, {} info)\n",
				   report.kernel, report.findings.size(),
				   report.findings.size() == 1 ? "" : "s", counts[0],
				   counts[0] == 1 ? "" : "s", counts[1], counts[1] == 1 ? "" : "s",
				   counts[2]);
	return out;
}

std::string doctorJson(const DoctorReport &report)
{
	Json findings = Json::array();
	for (const Finding &f : report.findings)
		findings.push_back({{"id", f.id},
				    {"module", f.module.empty() ? Json(nullptr) : Json(f.module)},
				    {"severity", severityWord(f.severity)},
				    {"message", f.message},
				    {"fix", f.fix}});
	Json doc;
	doc["kernel"] = report.kernel;
	doc["findings"] = findings;
	return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

} // namespace modloadd
