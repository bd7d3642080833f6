// What the fuzz targets share: how an oracle fails, and what libkmod can take as a lookup key.
// Each target is built twice: with libFuzzer (clang, -Dfuzzing=true) to search, and with
// replay_main.cpp into the ordinary build, where the `fuzz` suite runs it over its corpus.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace modloadd::fuzz {

// The input as text.
inline std::string_view asText(const uint8_t *data, size_t size)
{
	return {reinterpret_cast<const char *>(data), size};
}

// When HOLDS is false: WHAT and DETAIL on stderr, then abort(). libFuzzer keeps the input as a
// crash; the replay names the file it was reading.
void expect(bool holds, std::string_view what, std::string_view detail = {});

// Whether libkmod takes KEY whole as a name or alias to look up. libkmod (30, Debian 12)
// normalises a key into a PATH_MAX buffer before any lookup: it stops copying at PATH_MAX - 1
// bytes (a longer key is silently looked up cut short), refuses a ']' outside a bracket
// expression and an unclosed '[' (EINVAL), and copies a bracket expression without a bound.
// Restated from that behaviour, independently of the project's own checks.
bool kmodTakesWhole(std::string_view key);

// libkmod's own answer for KEY: kmod_module_new_from_lookup() on an empty module directory with
// no configuration (0 or a negative errno). Only EINVAL says the key itself was refused.
int kmodLookup(const std::string &key);

// A name that a parser accepted: one libkmod takes whole and, asked, does not refuse.
void expectKmodTakes(const std::string &name, std::string_view source);

// Every diagnostic names FILE and a line in 0..LINES, and says something.
void expectDiagnosticsPlaced(const Diagnostics &diags, std::string_view file, size_t lines);

// The number of lines of TEXT as the parsers count them ('\n' separated, a last line without
// '\n' counts).
size_t lineCount(std::string_view text);

} // namespace modloadd::fuzz
