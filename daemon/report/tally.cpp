// Counting outcomes for STATUS= and the summary entry.
#include "report/tally.h"

#include "report/message_ids.h"

#include <algorithm>
#include <fmt/format.h>

namespace modloadd {

void Tally::add(const PlannedModule &module, const Outcome &outcome)
{
	counts_[static_cast<size_t>(outcome.kind)]++;
	settled_++;
	if (outcome.kind == OutcomeKind::TimedOut)
		failed_.push_back(module.name + " (timed out)");
	else if (isFailure(outcome.kind))
		failed_.push_back(module.name);
}

void Tally::withdraw(const PlannedModule &module, const Outcome &outcome)
{
	counts_[static_cast<size_t>(outcome.kind)]--;
	settled_--;
	if (isFailure(outcome.kind)) {
		std::string entry = outcome.kind == OutcomeKind::TimedOut
					    ? module.name + " (timed out)"
					    : module.name;
		auto it = std::find(failed_.begin(), failed_.end(), entry);
		if (it != failed_.end())
			failed_.erase(it);
	}
}

std::string Tally::summary() const
{
	std::string s = fmt::format("Loaded {} modules ({} already loaded, {} builtin",
				    count(OutcomeKind::Inserted), count(OutcomeKind::AlreadyLoaded),
				    count(OutcomeKind::Builtin));
	if (size_t n = count(OutcomeKind::Blacklisted))
		s += fmt::format(", {} blacklisted", n);
	if (size_t n = count(OutcomeKind::NotFound))
		s += fmt::format(", {} not found", n);
	if (size_t n = count(OutcomeKind::NoDevice))
		s += fmt::format(", {} without device", n);
	s += ")";
	if (!failed_.empty())
		s += fmt::format("; {} failed: {}", failed_.size(), fmt::join(failed_, ", "));
	return s;
}

std::string Tally::progress(size_t total) const
{
	return fmt::format("Loading modules: {}/{} settled, {} inserted, {} failed", settled_,
			   total, count(OutcomeKind::Inserted), failed_.size());
}

void reportSummary(Journal &journal, const Tally &tally)
{
	journal.send(tally.failed().empty() ? LOG_INFO : LOG_WARNING,
		     {{"MESSAGE_ID", std::string(message_id::kSummary)},
		      {"MODLOADD_INSERTED", fmt::format("{}", tally.count(OutcomeKind::Inserted))},
		      {"MODLOADD_FAILED", fmt::format("{}", tally.failed().size())}},
		     tally.summary());
}

} // namespace modloadd
