// The daemon's own journal entries.
#include "report/daemon_report.h"

#include "report/message_ids.h"
#include "report/notify.h"
#include "report/outcome_report.h"
#include "report/plan_output.h"
#include "system/modules_disabled.h"

#include <cstring>
#include <fmt/format.h>

namespace modloadd {

namespace {

LogField errnoField(int r)
{
	return {"ERRNO", fmt::format("{}", r < 0 ? -r : r)};
}

// MODLOADD_UEVENT_DROP=: the class of a refused datagram, for journalctl to filter on.
std::string_view dropWord(UeventRejection kind)
{
	switch (kind) {
	case UeventRejection::Truncated:
		return "truncated";
	case UeventRejection::Spoofed:
		return "wrong-sender";
	case UeventRejection::Malformed:
		return "malformed";
	case UeventRejection::BadModalias:
		return "bad-modalias";
	}
	return "malformed";
}

} // namespace

void reportStartFailure(Journal &journal, const Error &error)
{
	journal.send(LOG_ERR, {{"MESSAGE_ID", std::string(message_id::kStartFailed)}},
		     fmt::format("Cannot plan module loading: {}", error.message));
	notifyStatus("Failed: " + error.message);
}

void reportEarlierRefusals(Journal &journal, size_t count)
{
	journal.send(LOG_INFO, {{"MESSAGE_ID", std::string(message_id::kEarlierRefusals)}},
		     fmt::format("{} modules the kernel refused earlier in this boot are not "
				 "tried again (/run/modloadd/refused)",
				 count));
}

void reportModulesDisabled(Journal &journal)
{
	journal.send(LOG_WARNING, {{"MESSAGE_ID", std::string(message_id::kModulesDisabled)}},
		     fmt::format("Module loading is disabled ({} is 1): the kernel refuses "
				 "every module until the next boot; nothing is loaded",
				 kModulesDisabledPath));
}

void reportStartTimes(Journal &journal, size_t staticRequests, double staticMs,
		      double firstDeviceMs, size_t deviceRequests, double scanMs, size_t queued)
{
	journal.send(
		LOG_DEBUG, {},
		fmt::format("Static lists: {} requests queued by {:.1f} ms after start; sysfs: "
			    "first device request queued by {:.1f} ms, {} in all by {:.1f} "
			    "ms; {} modules queued in all",
			    staticRequests, staticMs, firstDeviceMs, deviceRequests, scanMs,
			    queued));
}

void reportReadyBound(Journal &journal, std::string_view progress)
{
	journal.send(LOG_NOTICE, {{"MESSAGE_ID", std::string(message_id::kReadyBound)}},
		     fmt::format("Still loading the modules-load.d modules after the ready bound "
				 "(ReadyTimeoutSec=); reporting ready, loading goes on ({})",
				 progress));
}

void reportRunningAtStop(Journal &journal, const std::vector<std::string> &running)
{
	if (running.empty())
		return;
	journal.send(LOG_WARNING,
		     {{"MESSAGE_ID", std::string(message_id::kStillInserting)},
		      {"MODLOADD_STILL_INSERTING", fmt::format("{}", fmt::join(running, " "))}},
		     fmt::format("Stopping with {} insert{} not returned: {}; each is left to its "
				 "modloadd-insert process, which exits once the module's init "
				 "returns",
				 running.size(), running.size() == 1 ? "" : "s",
				 fmt::join(running, ", ")));
}

void reportRestart(Journal &journal, long previousPid)
{
	journal.send(LOG_NOTICE,
		     {{"MESSAGE_ID", std::string(message_id::kRestarted)},
		      {"MODLOADD_PREVIOUS_PID", fmt::format("{}", previousPid)}},
		     fmt::format("Started again in this boot (the previous instance, PID {}, "
				 "ended): modules live now are not inserted again, the devices "
				 "present are walked again",
				 previousPid));
}

void reportNoWatchdog(Journal &journal, int r)
{
	journal.send(
		LOG_WARNING, {{"MESSAGE_ID", std::string(message_id::kNoWatchdog)}, errnoField(r)},
		fmt::format("Cannot arm the watchdog: {}; WATCHDOG=1 is not sent", strerror(-r)));
}

void reportLoopFailure(Journal &journal, int r)
{
	journal.send(LOG_ERR, {{"MESSAGE_ID", std::string(message_id::kLoopFailed)}, errnoField(r)},
		     fmt::format("Event loop failed: {}", strerror(-r)));
}

void reportIndexReloaded(Journal &journal, std::string_view displayDir)
{
	journal.send(LOG_INFO, {{"MESSAGE_ID", std::string(message_id::kIndexReloaded)}},
		     fmt::format("Module indexes in {} changed; reloaded", displayDir));
}

void reportIndexKept(Journal &journal, const Error &error)
{
	journal.send(LOG_WARNING, {{"MESSAGE_ID", std::string(message_id::kIndexKept)}},
		     fmt::format("Cannot reload the module indexes: {}; keeping the previous ones",
				 error.message));
}

void reportDepmodLag(Journal &journal, const KernelTree &tree, const DepmodLag &lag)
{
	Diagnostic warning = depmodWarning(tree, lag);
	journal.send(LOG_WARNING,
		     {{"MESSAGE_ID", std::string(message_id::kDepmodLag)},
		      {"MODLOADD_KERNEL_VERSION", tree.version}},
		     fmt::format("{}: {}", warning.file, warning.message));
}

void reportNoUevents(Journal &journal, const Error &error)
{
	journal.send(LOG_ERR,
		     {{"MESSAGE_ID", std::string(message_id::kNoUevents)}, errnoField(error.code)},
		     fmt::format("Cannot listen for uevents: {}; hotplugged devices will not get "
				 "their modules",
				 error.message));
}

void reportUeventOverflow(Journal &journal, uint64_t overflows)
{
	journal.send(LOG_WARNING,
		     {{"MESSAGE_ID", std::string(message_id::kUeventOverflow)},
		      {"MODLOADD_UEVENT_OVERFLOWS", fmt::format("{}", overflows)}},
		     "The uevent socket overflowed (ENOBUFS): events were lost; rescanning "
		     "/sys/devices");
}

void reportRescanNow(Journal &journal, const Error &error)
{
	journal.send(
		LOG_WARNING,
		{{"MESSAGE_ID", std::string(message_id::kWorkedAround)}, errnoField(error.code)},
		fmt::format("{}; rescanning /sys/devices at once", error.message));
}

void reportRescan(Journal &journal, uint64_t rescans, size_t added)
{
	journal.send(
		LOG_INFO,
		{{"MESSAGE_ID", std::string(message_id::kRescanned)},
		 {"MODLOADD_RESCAN", fmt::format("{}", rescans)}},
		fmt::format("Rescanned /sys/devices after lost uevents: {} new modules", added));
}

void reportUeventCounters(Journal &journal, const UeventCounters &c, uint64_t rescans)
{
	journal.send(
		LOG_INFO,
		{{"MESSAGE_ID", std::string(message_id::kUeventCounters)},
		 {"MODLOADD_UEVENTS_RECEIVED", fmt::format("{}", c.received)},
		 {"MODLOADD_UEVENTS_DROPPED",
		  fmt::format("{}", c.malformed + c.badModalias + c.truncated + c.spoofed)},
		 {"MODLOADD_UEVENT_OVERFLOWS", fmt::format("{}", c.overflows)}},
		fmt::format("Stopping: {} uevents received, {} accepted, {} malformed, {} with a "
			    "bad modalias, {} truncated, {} from a wrong sender, {} overflows ({} "
			    "rescans)",
			    c.received, c.accepted, c.malformed, c.badModalias, c.truncated,
			    c.spoofed, c.overflows, rescans));
}

void UeventDropReporter::operator()(UeventRejection kind, std::string_view why)
{
	constexpr unsigned kShown = 10;
	if (++shown_ > kShown)
		return;
	journal_->send(kind == UeventRejection::Spoofed ? LOG_WARNING : LOG_DEBUG,
		       {{"MESSAGE_ID", std::string(message_id::kUeventDropped)},
			{"MODLOADD_UEVENT_DROP", std::string(dropWord(kind))}},
		       fmt::format("Dropped a uevent: {}{}", why,
				   shown_ == kShown ? " (further drops are only counted)" : ""));
}

void reportRuleFired(Journal &journal, const Rule &rule, size_t requests)
{
	journal.send(LOG_INFO,
		     {{"MESSAGE_ID", std::string(message_id::kRuleFired)},
		      {"MODLOADD_RULE", rule.name},
		      {"CONFIG_FILE", rule.file}},
		     fmt::format("Rule '{}' holds{}: {} modules to load ({})", rule.name,
				 rule.description.empty() ? "" : " (" + rule.description + ")",
				 requests, rule.file));
}

void reportRuleNotices(Journal &journal, const Diagnostics &notices)
{
	reportDiagnostics(journal, notices, LOG_NOTICE, message_id::kRuleModuleMissing);
}

void reportNoWatch(Journal &journal, const Error &error)
{
	journal.send(LOG_WARNING,
		     {{"MESSAGE_ID", std::string(message_id::kNoWatch)}, errnoField(error.code)},
		     fmt::format("Cannot watch the configuration directories: {}; new files take "
				 "effect on reload (systemctl reload modloadd)",
				 strerror(-error.code)));
}

void reportSettingNeedsRestart(Journal &journal, std::string_view key)
{
	journal.send(LOG_NOTICE,
		     {{"MESSAGE_ID", std::string(message_id::kSettingNeedsRestart)},
		      {"MODLOADD_SETTING", std::string(key)}},
		     fmt::format("{}= changed in modloadd.conf; it takes effect when modloadd "
				 "restarts",
				 key));
}

void reportReloadUnbounded(Journal &journal, const Error &error, std::string_view consequence)
{
	journal.send(
		LOG_WARNING,
		{{"MESSAGE_ID", std::string(message_id::kWorkedAround)}, errnoField(error.code)},
		fmt::format("{}; {}", error.message, consequence));
}

void reportRecordUnwritten(Journal &journal, std::string_view path, int r)
{
	journal.send(LOG_WARNING,
		     {{"MESSAGE_ID", std::string(message_id::kRecordUnwritten)}, errnoField(r)},
		     fmt::format("Cannot write {}: {}; modloadctl reload will not see this reload "
				 "finish",
				 path, strerror(-r)));
}

void reportStateUnwritten(Journal &journal, std::string_view path, int r)
{
	journal.send(LOG_WARNING, {errnoField(r)},
		     fmt::format("Cannot write {}: {}; modloadctl status and list will not see "
				 "this daemon",
				 path, strerror(-r)));
}

void reportReloaded(Journal &journal, uint64_t generation, const std::vector<std::string> &causes,
		    size_t added, bool bySignal, std::string_view note)
{
	journal.send(LOG_INFO,
		     {{"MESSAGE_ID", std::string(message_id::kReloaded)},
		      {"MODLOADD_RELOAD", fmt::format("{}", generation)},
		      {"MODLOADD_RELOAD_TRIGGER", bySignal ? "signal" : "watch"}},
		     fmt::format("Reloaded the configuration ({}): {} modules new to this run{}",
				 fmt::join(causes, "; "), added, note));
}

void reportMetricsUnwritten(Journal &journal, std::string_view path, int r)
{
	journal.send(LOG_WARNING,
		     {{"MESSAGE_ID", std::string(message_id::kMetricsUnwritten)}, errnoField(r)},
		     fmt::format("Cannot write the metrics file {}: {}; trying again when the "
				 "run next changes",
				 path, strerror(-r)));
}

} // namespace modloadd
