// Counts per outcome, for STATUS= and the summary entry.
#pragma once

#include "base/journal.h"
#include "base/outcome.h"
#include "resolve/module_graph.h"

#include <string>
#include <vector>

namespace modloadd {

class Tally {
public:
	void add(const PlannedModule &module, const Outcome &outcome);
	// Uncounts what add() counted, for a module settled again (load/loader.h, withdrawn jobs).
	void withdraw(const PlannedModule &module, const Outcome &outcome);

	// "Loaded 12 modules (3 already loaded, 1 builtin); 1 failed: foo"
	std::string summary() const;
	// "Loading modules: 5/12 settled"
	std::string progress(size_t total) const;
	size_t settled() const { return settled_; }
	size_t count(OutcomeKind kind) const { return counts_[static_cast<size_t>(kind)]; }
	const std::vector<std::string> &failed() const { return failed_; }

private:
	size_t counts_[kOutcomeKinds] = {};
	size_t settled_ = 0;
	std::vector<std::string> failed_;
};

// The summary entry: what the run loaded, and what failed.
void reportSummary(Journal &journal, const Tally &tally);

} // namespace modloadd
