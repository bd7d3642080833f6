// `modloadctl doctor`'s findings, and how they print: a list for a person, one JSON object for
// programs.
#pragma once

#include <string>
#include <vector>

namespace modloadd {

enum class Severity {
	Error,	 // something will not load, or loads wrongly
	Warning, // it works today by luck, or not as configured
	Info,	 // worth knowing; nothing is wrong yet
};

// One problem: what is wrong with which module, why it matters, and what fixes it.
struct Finding {
	// depmod-stale, missing-module, blacklisted-listed, shadowed-copy, live-differs,
	// initramfs-differs, firmware-missing, takeover-partial, denied-device
	std::string id;
	std::string module; // empty when it concerns no one module
	Severity severity = Severity::Warning;
	std::string message; // what and why it matters, as a sentence
	std::string fix;     // the command (or the step) that fixes it
};

struct DoctorReport {
	std::string kernel;
	std::vector<Finding> findings; // by severity, then by id and module
};

// Each finding as "SEVERITY ID MODULE: MESSAGE" and "  fix: FIX", then a count.
std::string doctorText(const DoctorReport &report);

// {"kernel", "findings": [{"id", "module", "severity", "message", "fix"}]}; "module" is null for
// a finding about no one module, "severity" one of "error", "warning", "info".
std::string doctorJson(const DoctorReport &report);

} // namespace modloadd
