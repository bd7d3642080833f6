// The kernel's refusals that cannot change, remembered for the boot: a restarted daemon does not
// try again a module the kernel already refused for good (no device, an invalid module, a
// rejected signature) in this boot.
#pragma once

#include "base/outcome.h"

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace modloadd {

// One line per refusal in a file on /run (a tmpfs: the memory ends with the boot):
// "NAME KIND ERRNO", KIND "no-device", "invalid" or "signature"; or "NAME parameters ERRNO
// OPTIONS" for a refusal of the module's options, which holds for those options only.
class Refusals {
public:
	explicit Refusals(std::string path) : path_(std::move(path)) {}

	// The refusals an earlier run of this boot wrote, as the outcomes to take instead of an
	// attempt, by module name, or by keyWithOptions() for a refusal of the options. Torn or
	// foreign lines, and any whose errno is not of its kind, are skipped: forgetting costs one
	// more attempt, no more.
	std::unordered_map<std::string, Outcome> read() const;

	// Remembers the module's own refusal when it is permanent; any other outcome (a transient
	// failure, a timeout, a success) is not remembered. Best effort: losing the memory costs a
	// repeated attempt.
	void remember(const std::string &name, const std::string &options,
		      const Outcome &outcome) const;

	// remember() with the running kernel's answer R (0 or -errno) to the insert of module NAME
	// with OPTIONS, as the insert helper meets it: its own init's EEXIST is a refusal for want
	// of a device (initAnsweredTaken()).
	void rememberAnswer(const std::string &name, const std::string &options, int r) const;

	const std::string &path() const { return path_; }

	// The key of read()'s map for a refusal that holds for these options only.
	static std::string keyWithOptions(const std::string &name, const std::string &options);

	// The KIND word of a refusal the kernel would repeat for the rest of the boot, settled by
	// the module's own attempt (not by a dependency or by memory); nothing otherwise.
	static std::optional<std::string_view> permanentKind(const Outcome &outcome);

private:
	std::string path_;
};

} // namespace modloadd
