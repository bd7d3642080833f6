// Outcome classification, the single place an insertion errno gets its meaning.
#include "load/insert_result.h"

#include "base/strings.h"

#include <cerrno>
#include <filesystem>

namespace modloadd {

Outcome classifyInsertResult(int r)
{
	if (r == 0)
		return {OutcomeKind::Inserted, 0, {}, {}};
	if (r == -EEXIST)
		return {OutcomeKind::AlreadyLoaded, 0, {}, {}};
	// ENODEV (and ENXIO from some drivers) is a probe that found no hardware: systemd logs it
	// at notice level and does not fail the unit.
	if (r == -ENODEV || r == -ENXIO)
		return {OutcomeKind::NoDevice, -r, {}, {}};
	return {OutcomeKind::Failed, r < 0 ? -r : EINVAL, {}, {}};
}

bool initAnsweredTaken(const std::string &name, int r)
{
	if (r != -EEXIST)
		return false;
	// Its /sys/module entry is made before its init runs: there while live or initialising.
	std::error_code ec;
	bool present =
		std::filesystem::exists("/sys/module/" + normalizeModuleName(name), ec) || ec;
	return !present;
}

} // namespace modloadd
