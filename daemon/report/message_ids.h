// MESSAGE_ID= of each kind of journal entry; docs/modloadd.catalog explains each one.
// These never change: operators filter on them (journalctl MESSAGE_ID=...).
#pragma once

#include <string_view>

namespace modloadd::message_id {

inline constexpr std::string_view kInserted = "8263b0aac6234ee7931ee0b7c291ecab";
inline constexpr std::string_view kAlreadyLoaded = "e73434e6705b441db3c5279b79ad5649";
inline constexpr std::string_view kBuiltin = "77e5ab12b9604daf90ac670baa0fa537";
inline constexpr std::string_view kBlacklisted = "c371b94370484ea7a1d153a423aadeb2";
inline constexpr std::string_view kNotFound = "cbd8c28f028a4671915f309287e6998d";
inline constexpr std::string_view kNoDevice = "8f6f036e202b48738bc0e2cff4491bf9";
inline constexpr std::string_view kFailed = "218c123d6d1045c59f53d7690fa3e57a";
inline constexpr std::string_view kTimedOut = "6d807507b13647748bb7e39391d4a29a";
inline constexpr std::string_view kFinishedLate = "f517c30c9c234e739b014ab19bfd3015";
inline constexpr std::string_view kSummary = "111e1bb7d1ed4573828b0396e1d506d4";
inline constexpr std::string_view kConfigWarning = "5568df27c1d3487f860c93915822eb64";
inline constexpr std::string_view kRuleFired = "35ff855a105e4c51a27045cf7259d172";
inline constexpr std::string_view kRuleModuleMissing = "088e5ea62b0d4a6c92b29a8ed90d1e9b";
inline constexpr std::string_view kReloaded = "fc4541863b8a4eeb9d4bb143f96e3521";
inline constexpr std::string_view kDepmodLag = "6cee6a23d841458198b16eca5cd68498";
inline constexpr std::string_view kModulesDisabled = "7158376912f9422a8b34013815a2970c";

// The daemon's own entries (report/daemon_report.h).
inline constexpr std::string_view kStartFailed = "ec60c065d0e5449ead5d2019b6ce5725";
inline constexpr std::string_view kEarlierRefusals = "21b40547c72543ecb7110f9f02b73eea";
inline constexpr std::string_view kReadyBound = "64590e3d62934e3681ce83b49a9485a2";
inline constexpr std::string_view kStillInserting = "e8e1a7a7a2c24aa3a505871362362a71";
inline constexpr std::string_view kRestarted = "83f3fca2abc14a31aa9bc7dda4bc34ba";
inline constexpr std::string_view kNoWatchdog = "6867b399e68a4ac59b0dc2b430dc7f9f";
inline constexpr std::string_view kLoopFailed = "22063e8103c1424d86a8c56eef4d6e7e";
inline constexpr std::string_view kIndexReloaded = "a3ed1c3061a84115beec13f73b8cf99b";
inline constexpr std::string_view kIndexKept = "638f8c5cc1b940368f51d30f32f12739";
inline constexpr std::string_view kNoUevents = "388ea73b4e9f456a9129a49d4b557f33";
inline constexpr std::string_view kUeventOverflow = "0e9b16bff6c142abad6f2799a17c7b65";
inline constexpr std::string_view kRescanned = "5203251ae13e460abab602d596306ffd";
inline constexpr std::string_view kUeventCounters = "2e55824ce95f432dbf24fe61787f4f95";
inline constexpr std::string_view kUeventDropped = "c117755744bf4e5abca82c0cc13b17f4";
inline constexpr std::string_view kNoWatch = "0b19893bbdfa4bcf9862685a200258e7";
inline constexpr std::string_view kSettingNeedsRestart = "1ee37352cfdd4f869da5718e936c21f3";
inline constexpr std::string_view kWorkedAround = "5537384ed1c5476783753295fde5df18";
inline constexpr std::string_view kRecordUnwritten = "396283ce3d824393a760bea50fab8463";
inline constexpr std::string_view kMetricsUnwritten = "683b8755eb2f4c23983c80513452c73a";

// Every one of them, for the test that the catalog explains each.
inline constexpr std::string_view kAll[] = {
	kInserted,	    kAlreadyLoaded,   kBuiltin,		 kBlacklisted,
	kNotFound,	    kNoDevice,	      kFailed,		 kTimedOut,
	kFinishedLate,	    kSummary,	      kConfigWarning,	 kRuleFired,
	kRuleModuleMissing, kReloaded,	      kDepmodLag,	 kModulesDisabled,
	kStartFailed,	    kEarlierRefusals, kReadyBound,	 kStillInserting,
	kRestarted,	    kNoWatchdog,      kLoopFailed,	 kIndexReloaded,
	kIndexKept,	    kNoUevents,	      kUeventOverflow,	 kRescanned,
	kUeventCounters,    kUeventDropped,   kNoWatch,		 kSettingNeedsRestart,
	kWorkedAround,	    kRecordUnwritten, kMetricsUnwritten,
};

} // namespace modloadd::message_id
