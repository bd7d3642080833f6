// Turning outcomes and configuration problems into journal entries.
#pragma once

#include "base/journal.h"
#include "base/outcome.h"
#include "base/request.h"
#include "report/message_ids.h"
#include "resolve/module_graph.h"

#include <string>
#include <syslog.h>
#include <vector>

namespace modloadd {

// One journal entry for one settled module, at the level its outcome deserves: ERR failed,
// WARNING not found, NOTICE no device, INFO inserted and blacklisted, DEBUG otherwise.
void reportOutcome(Journal &journal, const PlannedModule &module, const Outcome &outcome);

// An insert that had timed out (and was reported so) finished after all: what became of it. Its
// dependents stay as they were settled.
void reportFinishedLate(Journal &journal, const PlannedModule &module, const Outcome &outcome);

// Each configuration problem as an entry naming the file and line (a warning with the
// configuration-problem MESSAGE_ID unless told).
void reportDiagnostics(Journal &journal, const Diagnostics &diagnostics, int priority = LOG_WARNING,
		       std::string_view messageId = message_id::kConfigWarning);

} // namespace modloadd
