// systemd's version order: kernel releases and SMBIOS fields compared as systemd does.
#include "rules/version_compare.h"

#include <algorithm>

#include "base/strings.h"

namespace modloadd {

namespace {

bool isAsciiAlpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int sign(int v)
{
	return (v > 0) - (v < 0);
}

} // namespace

int compareVersions(std::string_view a, std::string_view b)
{
	// systemd's strverscmp_improved(): segments of digits compare as numbers, of letters as
	// strings; '~' sorts before everything (even the end: "1~rc1" < "1"); '-', '^' and '.'
	// before a segment make the string older than one that goes on without them.
	if (a.empty() || b.empty())
		return sign(a.compare(b));
	auto at = [](std::string_view s, size_t i) { return i < s.size() ? s[i] : '\0'; };
	auto isVersionChar = [](char c) {
		return isDigit(c) || isAsciiAlpha(c) || c == '~' || c == '-' || c == '^' ||
		       c == '.';
	};
	size_t i = 0, j = 0;
	for (;;) {
		while (i < a.size() && !isVersionChar(a[i]))
			i++;
		while (j < b.size() && !isVersionChar(b[j]))
			j++;

		if (at(a, i) == '~' || at(b, j) == '~') {
			if (at(a, i) != '~')
				return 1;
			if (at(b, j) != '~')
				return -1;
			i++;
			j++;
		}
		if (i >= a.size() || j >= b.size())
			return sign(a.substr(std::min(i, a.size()))
					    .compare(b.substr(std::min(j, b.size()))));

		for (char sep : {'-', '^', '.'}) {
			if (at(a, i) != sep && at(b, j) != sep)
				continue;
			if (at(a, i) != sep)
				return 1;
			if (at(b, j) != sep)
				return -1;
			i++;
			j++;
		}

		size_t ai = i, bj = j;
		if (isDigit(at(a, i)) || isDigit(at(b, j))) {
			while (isDigit(at(a, ai)))
				ai++;
			while (isDigit(at(b, bj)))
				bj++;
			// A number is newer than no number.
			if ((ai > i) != (bj > j))
				return ai > i ? 1 : -1;
			while (at(a, i) == '0')
				i++;
			while (at(b, j) == '0')
				j++;
			if (ai - i != bj - j)
				return ai - i < bj - j ? -1 : 1;
			int r = a.substr(i, ai - i).compare(b.substr(j, bj - j));
			if (r != 0)
				return sign(r);
		} else {
			while (isAsciiAlpha(at(a, ai)))
				ai++;
			while (isAsciiAlpha(at(b, bj)))
				bj++;
			int r = a.substr(i, ai - i).compare(b.substr(j, bj - j));
			if (r != 0)
				return sign(r);
		}
		i = ai;
		j = bj;
	}
}

} // namespace modloadd
