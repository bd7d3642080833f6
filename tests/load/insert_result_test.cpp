// Outcome classification: one errno, one meaning.
#include "load/insert_result.h"

#include <catch2/catch.hpp>
#include <cerrno>

using namespace modloadd;

TEST_CASE("given insertion results, we should classify them as systemd-modules-load does")
{
	struct Case {
		int r;
		OutcomeKind kind;
		int err;
	};
	const Case cases[] = {
		{0, OutcomeKind::Inserted, 0},
		{-EEXIST, OutcomeKind::AlreadyLoaded, 0},
		{-ENODEV, OutcomeKind::NoDevice, ENODEV},
		{-ENXIO, OutcomeKind::NoDevice, ENXIO},
		{-ENOENT, OutcomeKind::Failed, ENOENT},	  // unknown symbol or parameter
		{-ENOEXEC, OutcomeKind::Failed, ENOEXEC}, // bad version magic / format
		{-EKEYREJECTED, OutcomeKind::Failed, EKEYREJECTED},
		{-EPERM, OutcomeKind::Failed, EPERM},
		{-EINVAL, OutcomeKind::Failed, EINVAL},
	};
	for (const Case &c : cases) {
		CAPTURE(c.r);
		Outcome o = classifyInsertResult(c.r);
		CHECK(o.kind == c.kind);
		CHECK(o.err == c.err);
	}
}
