// Outcome classification, the single place an insertion errno gets its meaning.
#include "load/outcome.h"

#include <cerrno>

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

bool isSuccess(OutcomeKind kind)
{
	return kind == OutcomeKind::Inserted || kind == OutcomeKind::AlreadyLoaded ||
	       kind == OutcomeKind::Builtin;
}

bool isFailure(OutcomeKind kind)
{
	return kind == OutcomeKind::Failed;
}

std::string_view outcomeName(OutcomeKind kind)
{
	switch (kind) {
	case OutcomeKind::Inserted:
		return "inserted";
	case OutcomeKind::AlreadyLoaded:
		return "already loaded";
	case OutcomeKind::Builtin:
		return "builtin";
	case OutcomeKind::Blacklisted:
		return "blacklisted";
	case OutcomeKind::NotFound:
		return "not found";
	case OutcomeKind::NoDevice:
		return "no device";
	case OutcomeKind::Failed:
		return "failed";
	}
	return "unknown";
}

} // namespace modloadd
