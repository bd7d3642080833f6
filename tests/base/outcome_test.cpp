// The outcome vocabulary: which kinds fail a run, and their words for the journal and for plans.
#include "base/outcome.h"

#include <catch2/catch.hpp>

using namespace modloadd;

TEST_CASE("given outcome kinds, we should fail the run only for real failures")
{
	CHECK(isFailure(OutcomeKind::Failed));
	for (auto k : {OutcomeKind::Inserted, OutcomeKind::AlreadyLoaded, OutcomeKind::Builtin,
		       OutcomeKind::Blacklisted, OutcomeKind::NotFound, OutcomeKind::NoDevice})
		CHECK_FALSE(isFailure(k));
	CHECK(isSuccess(OutcomeKind::Builtin));
	CHECK_FALSE(isSuccess(OutcomeKind::NoDevice));
	CHECK(outcomeName(OutcomeKind::NoDevice) == "no device");
}

TEST_CASE("given each outcome kind, we should have one word for the journal and one for plans")
{
	CHECK(outcomeName(OutcomeKind::Inserted) == "inserted");
	CHECK(planWord(OutcomeKind::Inserted) == "insert");
	CHECK(outcomeName(OutcomeKind::AlreadyLoaded) == "already loaded");
	CHECK(planWord(OutcomeKind::AlreadyLoaded) == "loaded");
	CHECK(outcomeName(OutcomeKind::NotFound) == "not found");
	CHECK(planWord(OutcomeKind::NotFound) == "missing");
	CHECK(planWord(OutcomeKind::Builtin) == "builtin");
	CHECK(planWord(OutcomeKind::Blacklisted) == "blacklisted");
	CHECK(outcomeName(OutcomeKind::Failed) == "failed");
	CHECK(planWord(OutcomeKind::Failed) == "fail");
}
