// The daemon's own journal entries, besides the modules' outcomes: its start, its devices, its
// rules, its reloads and its stop. One function per kind of entry; the callers decide when.
#pragma once

#include "base/journal.h"
#include "base/request.h"
#include "base/result.h"
#include "resolve/module_index.h"
#include "rules/rule_file.h"
#include "uevent/uevent_monitor.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modloadd {

// Start and stop.
void reportStartFailure(Journal &journal, const Error &error); // also STATUS=Failed: ...
void reportEarlierRefusals(Journal &journal, size_t count);
// kernel.modules_disabled=1: nothing is read or loaded in this boot; also STATUS=.
void reportModulesDisabled(Journal &journal);
void reportStartTimes(Journal &journal, size_t staticRequests, double staticMs,
		      double firstDeviceMs, size_t deviceRequests, double scanMs, size_t queued);
void reportReadyBound(Journal &journal, std::string_view progress);
// At stop: the modules whose inserts have not returned (nothing when none).
void reportRunningAtStop(Journal &journal, const std::vector<std::string> &running);
// At start, when an earlier instance ran in this boot.
void reportRestart(Journal &journal, long previousPid);
void reportNoWatchdog(Journal &journal, int r);
void reportLoopFailure(Journal &journal, int r);

// The module index.
void reportIndexReloaded(Journal &journal, std::string_view displayDir);
void reportIndexKept(Journal &journal, const Error &error);
// The tree changed after depmod ran (report/plan_output.h's depmodWarning()): once per run.
void reportDepmodLag(Journal &journal, const KernelTree &tree, const DepmodLag &lag);

// Devices.
void reportNoUevents(Journal &journal, const Error &error);
void reportUeventOverflow(Journal &journal, uint64_t overflows);
void reportRescanNow(Journal &journal, const Error &error);
void reportRescan(Journal &journal, uint64_t rescans, size_t added);
void reportUeventCounters(Journal &journal, const UeventCounters &counters, uint64_t rescans);

// The first few refused datagrams, each with its reason; the rest only counted, so that a flood
// of bad datagrams does not become a flood of entries. A spoofed one is a warning.
class UeventDropReporter {
public:
	explicit UeventDropReporter(Journal &journal) : journal_(&journal) {}
	void operator()(UeventRejection kind, std::string_view why);

private:
	Journal *journal_;
	unsigned shown_ = 0;
};

// Rules.
void reportRuleFired(Journal &journal, const Rule &rule, size_t requests);
void reportRuleNotices(Journal &journal, const Diagnostics &notices);

// Reloads.
void reportNoWatch(Journal &journal, const Error &error);
void reportSettingNeedsRestart(Journal &journal, std::string_view key);
void reportReloadUnbounded(Journal &journal, const Error &error, std::string_view consequence);
void reportRecordUnwritten(Journal &journal, std::string_view path, int r);
// The state for modloadctl status and list: once per process, however often it fails.
void reportStateUnwritten(Journal &journal, std::string_view path, int r);
// The metrics textfile (MetricsFile=): once per process, however often it fails.
void reportMetricsUnwritten(Journal &journal, std::string_view path, int r);
void reportReloaded(Journal &journal, uint64_t generation, const std::vector<std::string> &causes,
		    size_t added, bool bySignal, std::string_view note);

} // namespace modloadd
