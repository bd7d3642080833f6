// The daemon's own journal entries: each kind has its MESSAGE_ID, one the catalog explains.
#include <catch2/catch.hpp>

#include "report/daemon_report.h"
#include "report/message_ids.h"

#include <cerrno>
#include <functional>
#include <set>

using namespace modloadd;

TEST_CASE("given each of the daemon's entries, we should send it with its MESSAGE_ID")
{
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	Error error{-ENOMEM, "cannot do it"};
	struct Case {
		std::function<void()> send;
		std::string_view id;
	};
	std::vector<Case> cases = {
		{[&] { reportStartFailure(journal, error); }, message_id::kStartFailed},
		{[&] { reportLoopFailure(journal, -EIO); }, message_id::kLoopFailed},
		{[&] { reportEarlierRefusals(journal, 3); }, message_id::kEarlierRefusals},
		{[&] { reportRestart(journal, 42); }, message_id::kRestarted},
		{[&] { reportReadyBound(journal, "1/2 settled"); }, message_id::kReadyBound},
		{[&] { reportRunningAtStop(journal, {"slow"}); }, message_id::kStillInserting},
		{[&] { reportNoWatchdog(journal, -EINVAL); }, message_id::kNoWatchdog},
		{[&] { reportIndexReloaded(journal, "/lib/modules/6.1.0"); },
		 message_id::kIndexReloaded},
		{[&] { reportIndexKept(journal, error); }, message_id::kIndexKept},
		{[&] { reportNoUevents(journal, error); }, message_id::kNoUevents},
		{[&] { reportUeventOverflow(journal, 1); }, message_id::kUeventOverflow},
		{[&] { reportRescanNow(journal, error); }, message_id::kWorkedAround},
		{[&] { reportRescan(journal, 1, 4); }, message_id::kRescanned},
		{[&] { reportUeventCounters(journal, UeventCounters{}, 0); },
		 message_id::kUeventCounters},
		{[&] {
			 UeventDropReporter drops(journal);
			 drops(UeventRejection::Spoofed, "sender port 7");
		 },
		 message_id::kUeventDropped},
		{[&] { reportNoWatch(journal, error); }, message_id::kNoWatch},
		{[&] { reportSettingNeedsRestart(journal, "Workers"); },
		 message_id::kSettingNeedsRestart},
		{[&] { reportReloadUnbounded(journal, error, "the rules are tested on the loop"); },
		 message_id::kWorkedAround},
		{[&] { reportRecordUnwritten(journal, "/run/modloadd/reloaded", -EROFS); },
		 message_id::kRecordUnwritten},
		{[&] { reportModulesDisabled(journal); }, message_id::kModulesDisabled},
	};
	std::set<std::string_view> all(std::begin(message_id::kAll), std::end(message_id::kAll));
	for (size_t i = 0; i < cases.size(); i++) {
		INFO("case " << i);
		cases[i].send();
		auto records = journal.records();
		REQUIRE(records.size() == i + 1);
		CHECK(records.back().field("MESSAGE_ID") == cases[i].id);
		CHECK(all.count(records.back().field("MESSAGE_ID")) == 1);
	}
}

TEST_CASE("given a dropped uevent, we should name its class in MODLOADD_UEVENT_DROP=")
{
	Journal journal(LogTarget::Memory, LOG_DEBUG);
	UeventDropReporter drops(journal);
	drops(UeventRejection::Spoofed, "sender port 7, uid 1000");
	drops(UeventRejection::BadModalias, "bad modalias");
	auto records = journal.records();
	REQUIRE(records.size() == 2);
	CHECK(records[0].priority == LOG_WARNING);
	CHECK(records[0].field("MODLOADD_UEVENT_DROP") == "wrong-sender");
	CHECK(records[1].priority == LOG_DEBUG);
	CHECK(records[1].field("MODLOADD_UEVENT_DROP") == "bad-modalias");
}
