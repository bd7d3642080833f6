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

// Every one of them, for the test that the catalog explains each.
inline constexpr std::string_view kAll[] = {
	kInserted,	    kAlreadyLoaded, kBuiltin,	    kBlacklisted,
	kNotFound,	    kNoDevice,	    kFailed,	    kTimedOut,
	kFinishedLate,	    kSummary,	    kConfigWarning, kRuleFired,
	kRuleModuleMissing, kReloaded,	    kDepmodLag,	    kModulesDisabled,
};

} // namespace modloadd::message_id
