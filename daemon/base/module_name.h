// What may be looked up as a module: a name, an alias or a modalias (pattern), from any source
// (modules-load.d, the kernel command line, a rule, a uevent, modloadctl). One check for all of
// them, so that no source hands libkmod what it cannot take.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace modloadd {

// The longest lookup key: PATH_MAX less the NUL. libkmod copies a key into a PATH_MAX buffer
// while it normalises an alias, and its bracket loop writes one byte past that buffer for a
// 4096-byte key whose '[' closes at the end. The kernel cannot write a longer modalias (a
// sysfs attribute is a page with its newline), and module names are at most 56 bytes.
inline constexpr size_t kMaxLookupLength = 4095;

// Whether KEY's brackets are as libkmod's alias normalisation takes them: no ']' outside a
// bracket expression, every '[' closed ('[' inside one is an ordinary character). libkmod
// refuses any other key with EINVAL before it looks anything up.
bool bracketsBalanced(std::string_view key);

// Why NAME cannot be a module name, an alias or a modalias pattern; nullopt when it can:
// empty, longer than kMaxLookupLength, a path ('/', "." or ".."), whitespace, control bytes,
// NUL, non-ASCII, brackets libkmod refuses (bracketsBalanced).
std::optional<std::string> checkModuleName(std::string_view name);

} // namespace modloadd
