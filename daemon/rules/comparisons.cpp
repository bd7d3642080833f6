// systemd's comparison operators, KernelVersion= comparisons, sizes and counts.
#include "rules/comparisons.h"

#include <cmath>
#include <fnmatch.h>
#include <limits>

#include "base/strings.h"
#include "base/words.h"
#include "rules/version_compare.h"

namespace modloadd {

namespace {

struct OperatorSpelling {
	std::string_view text;
	CompareOp op;
	bool onlyWithStrings; // compare-operator.c's COMPARE_ALLOW_FNMATCH /
			      // COMPARE_EQUAL_BY_STRING
};

// Longest spellings first where one is a prefix of another. Where strings compare, "=" and "!="
// compare strings, and "$=", "!$=" are globs; elsewhere "=" and "!=" compare numbers.
constexpr OperatorSpelling kOperators[] = {
	{"!$=", CompareOp::GlobNotEqual, true}, {"$=", CompareOp::GlobEqual, true},
	{"<>", CompareOp::NotEqual, false},	{">=", CompareOp::GreaterOrEqual, false},
	{"<=", CompareOp::LessOrEqual, false},	{"!=", CompareOp::StringNotEqual, true},
	{"=", CompareOp::StringEqual, true},	{"!=", CompareOp::NotEqual, false},
	{"=", CompareOp::Equal, false},		{"<", CompareOp::Less, false},
	{">", CompareOp::Greater, false},
};

// Decimal digits off the front of `s` into `n`; false when there are none or they overflow.
bool takeDecimal(std::string_view &s, uint64_t &n, size_t &digits)
{
	n = 0;
	digits = 0;
	while (digits < s.size() && isDigit(s[digits])) {
		uint64_t d = static_cast<uint64_t>(s[digits] - '0');
		if (n > (std::numeric_limits<uint64_t>::max() - d) / 10)
			return false;
		n = n * 10 + d;
		digits++;
	}
	s.remove_prefix(digits);
	return digits > 0;
}

// systemd's parse_size() with base 1024: numbers with optional fractions and descending
// suffixes, summed ("1G 512M"); a bare number is bytes.
std::optional<uint64_t> parseSize(std::string_view s)
{
	struct Suffix {
		std::string_view text;
		uint64_t factor;
	};
	static constexpr Suffix kSuffixes[] = {
		{"E", uint64_t{1} << 60},
		{"P", uint64_t{1} << 50},
		{"T", uint64_t{1} << 40},
		{"G", uint64_t{1} << 30},
		{"M", uint64_t{1} << 20},
		{"K", uint64_t{1} << 10},
		{"B", 1},
		{"", 1},
	};
	constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

	uint64_t total = 0;
	size_t firstSuffix = 0; // each term uses a smaller unit than the one before
	do {
		s = skipSpace(s);
		uint64_t whole = 0;
		size_t digits = 0;
		if (!takeDecimal(s, whole, digits))
			return std::nullopt;
		double fraction = 0;
		if (!s.empty() && s.front() == '.') {
			s.remove_prefix(1);
			uint64_t decimals = 0;
			if (!s.empty() && isDigit(s.front())) {
				if (!takeDecimal(s, decimals, digits))
					return std::nullopt;
				fraction = static_cast<double>(decimals) / std::pow(10.0, digits);
			}
			// "10.M" is valid, as in systemd
		}
		s = skipSpace(s);

		size_t i = firstSuffix;
		while (i < std::size(kSuffixes) && !startsWith(s, kSuffixes[i].text))
			i++;
		if (i == std::size(kSuffixes))
			return std::nullopt;
		uint64_t factor = kSuffixes[i].factor;
		if (whole + (fraction > 0 ? 1 : 0) > kMax / factor)
			return std::nullopt;
		uint64_t term = whole * factor +
				static_cast<uint64_t>(fraction * static_cast<double>(factor));
		if (term > kMax - total)
			return std::nullopt;
		total += term;
		s.remove_prefix(kSuffixes[i].text.size());
		firstSuffix = i + 1;
	} while (!s.empty());
	return total;
}

} // namespace

std::optional<CompareOp> takeOperator(std::string_view &s, bool strings)
{
	for (const OperatorSpelling &o : kOperators) {
		if (o.onlyWithStrings && !strings)
			continue;
		if (startsWith(s, o.text)) {
			s.remove_prefix(o.text.size());
			return o.op;
		}
	}
	return std::nullopt;
}

bool orderHolds(int order, CompareOp op)
{
	switch (op) {
	case CompareOp::Less:
		return order < 0;
	case CompareOp::LessOrEqual:
		return order <= 0;
	case CompareOp::Equal:
		return order == 0;
	case CompareOp::NotEqual:
		return order != 0;
	case CompareOp::GreaterOrEqual:
		return order >= 0;
	case CompareOp::Greater:
		return order > 0;
	default:
		return false; // string and glob operators do not order
	}
}

bool versionOrGlobHolds(const Comparison &c, const std::string &actual)
{
	switch (c.op) {
	case CompareOp::StringEqual:
		return actual == c.operand;
	case CompareOp::StringNotEqual:
		return actual != c.operand;
	case CompareOp::GlobEqual:
		return ::fnmatch(c.operand.c_str(), actual.c_str(), 0) == 0;
	case CompareOp::GlobNotEqual:
		return ::fnmatch(c.operand.c_str(), actual.c_str(), 0) == FNM_NOMATCH;
	default:
		return orderHolds(compareVersions(actual, c.operand), c.op);
	}
}

bool AmountComparison::holdsFor(uint64_t actual) const
{
	return orderHolds(actual < amount ? -1 : actual > amount ? 1 : 0, op);
}

std::optional<std::vector<Comparison>> parseKernelVersionValue(std::string_view value)
{
	// As systemd's condition_test_kernel_version() reads the value at test time.
	std::vector<Comparison> comparisons;
	std::string word;
	for (;;) {
		int r = extractWord(value, word, true, false);
		if (r < 0)
			return std::nullopt;
		if (r == 0)
			break;
		std::string_view s = trim(word);
		Comparison c;
		c.op = takeOperator(s, true).value_or(CompareOp::GlobEqual);
		s = skipSpace(s);
		if (!s.empty()) {
			c.operand = s;
		} else {
			// "> 5.10": only the first comparison may put a space after the operator.
			if (!comparisons.empty())
				return std::nullopt;
			std::string next;
			if (extractWord(value, next, false, false) <= 0)
				return std::nullopt;
			c.operand = std::move(next);
		}
		comparisons.push_back(std::move(c));
	}
	if (comparisons.empty())
		return std::nullopt;
	return comparisons;
}

std::optional<AmountComparison> parseMemoryValue(std::string_view value)
{
	AmountComparison c;
	c.op = takeOperator(value, false).value_or(CompareOp::GreaterOrEqual);
	auto size = parseSize(value);
	if (!size)
		return std::nullopt;
	c.amount = *size;
	return c;
}

std::optional<AmountComparison> parseCpusValue(std::string_view value)
{
	AmountComparison c;
	c.op = takeOperator(value, false).value_or(CompareOp::GreaterOrEqual);
	value = skipSpace(value);
	// systemd's safe_atou() also takes 0x, 0o and 0b forms and reads a leading 0 as octal;
	// nobody counts CPUs that way, so a count here is plain decimal without leading zeros.
	if (value.size() > 1 && value.front() == '0')
		return std::nullopt;
	uint64_t n = 0;
	size_t digits = 0;
	if (!takeDecimal(value, n, digits) || !value.empty() ||
	    n > std::numeric_limits<unsigned>::max())
		return std::nullopt;
	c.amount = n;
	return c;
}

} // namespace modloadd
