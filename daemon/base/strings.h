// Small string helpers shared by the parsers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modloadd {

// systemd's boolean words: 1 yes y true t on / 0 no n false f off (any case).
std::optional<bool> parseBoolean(std::string_view value);

// Whitespace as systemd's strstrip() sees it (includes \r, so CRLF files read cleanly).
inline constexpr std::string_view kWhitespace = " \t\n\r\f\v";

std::string_view trim(std::string_view s);
// S without its leading whitespace.
std::string_view skipSpace(std::string_view s);

// ASCII classes, whatever the locale.
inline bool isSpace(char c)
{
	return kWhitespace.find(c) != std::string_view::npos;
}
inline bool isDigit(char c)
{
	return c >= '0' && c <= '9';
}

// A whole string of decimal digits (no sign, no space) that fits in 64 bits; nullopt otherwise.
std::optional<uint64_t> parseDecimal(std::string_view s);

// A 128-bit ID as sd_id128_from_string() reads it (32 hex digits, or the UUID form with
// dashes, any case), as 32 lower-case hex digits; nullopt when VALUE is no ID.
std::optional<std::string> parseId128(std::string_view value);

// ASCII lower case ("1AF4" -> "1af4"); other bytes unchanged.
std::string asciiLower(std::string_view s);

// Module names treat '-' and '_' alike (the kernel and kmod do); this is the canonical form.
std::string normalizeModuleName(std::string_view name);

std::vector<std::string> split(std::string_view s, char sep, bool skipEmpty = true);

bool startsWith(std::string_view s, std::string_view prefix);
bool endsWith(std::string_view s, std::string_view suffix);

} // namespace modloadd
