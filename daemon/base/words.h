// Splitting text into words as systemd's extract_first_word() does, for the kernel command line
// and the values of conditions.
#pragma once

#include <string>
#include <string_view>

namespace modloadd {

// One word off the front of `rest`, as systemd's extract_first_word() takes it with whitespace
// separators: a backslash keeps the next character as it is; with `unquote`, '...' and "..."
// group and lose their quotes. 1 with `word` set, 0 when only whitespace was left, -EINVAL for
// an unterminated quote or a trailing backslash (kept as they are with `relax`).
int extractWord(std::string_view &rest, std::string &word, bool unquote, bool relax);

} // namespace modloadd
