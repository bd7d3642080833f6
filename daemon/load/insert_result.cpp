// Outcome classification, the single place an insertion errno gets its meaning.
#include "load/insert_result.h"

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

} // namespace modloadd
