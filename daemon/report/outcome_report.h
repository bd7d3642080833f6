// Turning outcomes and configuration problems into journal entries and status lines.
#pragma once

#include "base/journal.h"
#include "base/request.h"
#include "load/outcome.h"
#include "report/message_ids.h"
#include "resolve/module_graph.h"

#include <string>
#include <syslog.h>
#include <vector>

namespace modloadd {

// One journal entry for one settled module, at the level its outcome deserves: ERR failed,
// WARNING not found, NOTICE no device, INFO inserted and blacklisted, DEBUG otherwise.
void reportOutcome(Journal &journal, const PlannedModule &module, const Outcome &outcome);

// Each configuration problem as an entry naming the file and line (a warning with the
// configuration-problem MESSAGE_ID unless told).
void reportDiagnostics(Journal &journal, const Diagnostics &diagnostics, int priority = LOG_WARNING,
		       std::string_view messageId = message_id::kConfigWarning);

// Counts per outcome, for STATUS= and the final summary.
class Tally {
public:
	void add(const PlannedModule &module, const Outcome &outcome);

	// "Loaded 12 modules (3 already loaded, 1 builtin); 1 failed: foo"
	std::string summary() const;
	// "Loading modules: 5/12 settled"
	std::string progress(size_t total) const;
	size_t settled() const { return settled_; }
	size_t count(OutcomeKind kind) const { return counts_[static_cast<size_t>(kind)]; }
	const std::vector<std::string> &failed() const { return failed_; }

private:
	size_t counts_[7] = {};
	size_t settled_ = 0;
	std::vector<std::string> failed_;
};

void reportSummary(Journal &journal, const Tally &tally);

} // namespace modloadd
