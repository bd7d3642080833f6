// The values of conditions that compare: systemd's operators, KernelVersion='s comparisons, and
// the amounts of Memory= and CPUs=; how each is read and when it holds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modloadd {

// Operators as systemd's compare-operator.c spells them.
enum class CompareOp {
	Less,		// <
	LessOrEqual,	// <=
	Equal,		// =  (numbers)
	NotEqual,	// != (numbers) and <>
	GreaterOrEqual, // >=
	Greater,	// >
	StringEqual,	// =  where systemd compares strings: KernelVersion, smbios-field()
	StringNotEqual, // != there
	GlobEqual,	// $=, and a KernelVersion word without an operator
	GlobNotEqual,	// !$=
};

struct Comparison {
	CompareOp op = CompareOp::GlobEqual;
	std::string operand;
};

// Takes an operator off the front of `s`; nullopt (and `s` unchanged) when there is none. With
// `strings` (KernelVersion=, smbios-field()), "=" and "!=" compare strings and "$=", "!$=" are
// globs; without, "=" and "!=" compare numbers and there are no globs.
std::optional<CompareOp> takeOperator(std::string_view &s, bool strings);

// Whether an ordering (<0, 0 or >0, as from compareVersions()) satisfies an ordering operator;
// string and glob operators never hold here.
bool orderHolds(int order, CompareOp op);
// systemd's version_or_fnmatch_compare(): strings, globs, or else versions in systemd's order.
bool versionOrGlobHolds(const Comparison &c, const std::string &actual);

// ConditionKernelVersion=: space-separated words, each an operator glued to a version (">=5.10"),
// or a glob without operator; all must hold. Quotes group, as systemd's extract_first_word();
// only the first word may leave a space between operator and version ("> 5.10", as systemd 252
// allows). nullopt when malformed.
std::optional<std::vector<Comparison>> parseKernelVersionValue(std::string_view value);

struct AmountComparison {
	CompareOp op = CompareOp::GreaterOrEqual; // when no operator is written
	uint64_t amount = 0;

	bool holdsFor(uint64_t actual) const;
};

// ConditionMemory=: an optional operator, then a size as systemd's parse_size() with base 1024
// reads it: "4G", "1.5G", "1G 512M", suffixes K M G T P E and B, upper case only.
std::optional<AmountComparison> parseMemoryValue(std::string_view value);
// ConditionCPUs=: an optional operator, then a decimal count.
std::optional<AmountComparison> parseCpusValue(std::string_view value);

} // namespace modloadd
