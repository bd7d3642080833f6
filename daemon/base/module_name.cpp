// The one check of a lookup key's length and bytes.
#include "base/module_name.h"

#include "base/strings.h"

#include <fmt/format.h>

namespace modloadd {

bool bracketsBalanced(std::string_view key)
{
	bool inBracket = false;
	for (char c : key) {
		if (inBracket)
			inBracket = c != ']';
		else if (c == '[')
			inBracket = true;
		else if (c == ']')
			return false;
	}
	return !inBracket;
}

std::optional<std::string> checkModuleName(std::string_view name)
{
	if (name.empty())
		return "is empty";
	if (name.size() > kMaxLookupLength)
		return fmt::format("is longer than {} bytes", kMaxLookupLength);
	// systemd-modules-load hands the line to kmod as a name; a path would be a different
	// (and surprising) thing: kmod would try to load that file.
	if (name.find('/') != std::string_view::npos)
		return "is a path, not a module name";
	if (name == "." || name == "..")
		return "is a path component, not a module name";
	// Everything else printable stays: aliases and modalias patterns use ':', '*', ',', '(',
	// '[' and friends ("pci:v00008086d*sv*", "of:NgpioT(null)Cfoo,bar").
	for (unsigned char c : name) {
		if (c == '\0')
			return "contains a NUL byte (binary data?)";
		if (c >= 0x80)
			return "contains non-ASCII bytes (binary data?)";
		if (kWhitespace.find(static_cast<char>(c)) != std::string_view::npos)
			return "contains whitespace: one module per line, and trailing comments "
			       "are not supported";
		if (c < 0x20 || c == 0x7f)
			return "contains a control character";
	}
	// Found by fuzzing: "foo]" was accepted here and refused by libkmod at load time.
	if (!bracketsBalanced(name))
		return "has unbalanced brackets ('[' without ']' or ']' without '[')";
	return std::nullopt;
}

} // namespace modloadd
