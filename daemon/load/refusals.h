// The kernel's refusals, remembered for the boot: a restarted daemon does not try again a module
// the kernel already refused (ENODEV on every CPU, a bad signature) in this boot.
#pragma once

#include "base/outcome.h"

#include <string>
#include <unordered_map>

namespace modloadd {

// One line per refusal in a file on /run (a tmpfs: the memory ends with the boot):
// "NAME KIND ERRNO", KIND "no-device" or "failed".
class Refusals {
public:
	explicit Refusals(std::string path) : path_(std::move(path)) {}

	// The refusals an earlier run of this boot wrote, as the outcomes to take instead of an
	// attempt. Torn or foreign lines are skipped: forgetting costs one more attempt, no more.
	std::unordered_map<std::string, Outcome> read() const;

	// Remembers the module's own refusal (no device, failed); other outcomes are not refusals.
	// Best effort: losing the memory costs a repeated attempt.
	void remember(const std::string &name, const Outcome &outcome) const;

	// The module's own refusal: settled by its own attempt, not by a dependency or by memory.
	static bool isRefusal(const Outcome &outcome);

private:
	std::string path_;
};

} // namespace modloadd
