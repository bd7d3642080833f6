// Small string helpers shared by the parsers.
#include "base/strings.h"

#include <charconv>

namespace modloadd {

std::string asciiLower(std::string_view s)
{
	std::string out(s);
	for (char &c : out)
		if (c >= 'A' && c <= 'Z')
			c = static_cast<char>(c - 'A' + 'a');
	return out;
}

std::optional<bool> parseBoolean(std::string_view value)
{
	std::string v = asciiLower(value);
	for (std::string_view t : {"1", "yes", "y", "true", "t", "on"})
		if (v == t)
			return true;
	for (std::string_view f : {"0", "no", "n", "false", "f", "off"})
		if (v == f)
			return false;
	return std::nullopt;
}

std::string_view trim(std::string_view s)
{
	auto first = s.find_first_not_of(kWhitespace);
	if (first == std::string_view::npos)
		return {};
	auto last = s.find_last_not_of(kWhitespace);
	return s.substr(first, last - first + 1);
}

std::string_view skipSpace(std::string_view s)
{
	size_t first = s.find_first_not_of(kWhitespace);
	return first == std::string_view::npos ? std::string_view() : s.substr(first);
}

std::string normalizeModuleName(std::string_view name)
{
	std::string out(name);
	for (char &c : out)
		if (c == '-')
			c = '_';
	return out;
}

std::vector<std::string> split(std::string_view s, char sep, bool skipEmpty)
{
	std::vector<std::string> out;
	size_t start = 0;
	while (start <= s.size()) {
		size_t end = s.find(sep, start);
		if (end == std::string_view::npos)
			end = s.size();
		auto piece = s.substr(start, end - start);
		if (!piece.empty() || !skipEmpty)
			out.emplace_back(piece);
		start = end + 1;
	}
	return out;
}

std::optional<uint64_t> parseDecimal(std::string_view s)
{
	uint64_t n = 0;
	auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
	if (ec != std::errc() || end != s.data() + s.size())
		return std::nullopt;
	return n;
}

std::optional<std::string> parseId128(std::string_view value)
{
	bool uuid = value.size() == 36;
	if (!uuid && value.size() != 32)
		return std::nullopt;
	std::string id;
	for (size_t i = 0; i < value.size(); i++) {
		char c = value[i];
		if (uuid && (i == 8 || i == 13 || i == 18 || i == 23)) {
			if (c != '-')
				return std::nullopt;
			continue;
		}
		bool hex =
			(c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		if (!hex)
			return std::nullopt;
		id += c;
	}
	return asciiLower(id);
}

bool startsWith(std::string_view s, std::string_view prefix)
{
	return s.substr(0, prefix.size()) == prefix;
}

bool endsWith(std::string_view s, std::string_view suffix)
{
	return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

} // namespace modloadd
