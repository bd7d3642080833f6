// The outcome kinds' words, for the journal and for plans, in one table.
#include "base/outcome.h"

#include <array>
#include <cassert>

namespace modloadd {

namespace {

struct Spelling {
	OutcomeKind kind;
	std::string_view outcome; // what happened
	std::string_view plan;	  // what a plan expects
};

// In the order of the enum, so that a kind indexes it.
constexpr std::array<Spelling, kOutcomeKinds> kSpellings = {{
	{OutcomeKind::Inserted, "inserted", "insert"},
	{OutcomeKind::AlreadyLoaded, "already loaded", "loaded"},
	{OutcomeKind::Builtin, "builtin", "builtin"},
	{OutcomeKind::Blacklisted, "blacklisted", "blacklisted"},
	{OutcomeKind::NotFound, "not found", "missing"},
	{OutcomeKind::NoDevice, "no device", "-"},
	{OutcomeKind::Failed, "failed", "fail"},
	{OutcomeKind::TimedOut, "timed out", "-"},
}};

const Spelling &spelling(OutcomeKind kind)
{
	size_t i = static_cast<size_t>(kind);
	assert(i < kSpellings.size() && kSpellings[i].kind == kind);
	return kSpellings[i];
}

} // namespace

bool isSuccess(OutcomeKind kind)
{
	return kind == OutcomeKind::Inserted || kind == OutcomeKind::AlreadyLoaded ||
	       kind == OutcomeKind::Builtin;
}

bool isFailure(OutcomeKind kind)
{
	return kind == OutcomeKind::Failed || kind == OutcomeKind::TimedOut;
}

std::string_view outcomeName(OutcomeKind kind)
{
	return spelling(kind).outcome;
}

std::string_view planWord(OutcomeKind kind)
{
	return spelling(kind).plan;
}

} // namespace modloadd
