// systemd's extract_first_word() with whitespace separators.
#include "base/words.h"

#include <cerrno>

#include "base/strings.h"

namespace modloadd {

int extractWord(std::string_view &rest, std::string &word, bool unquote, bool relax)
{
	word.clear();
	rest = skipSpace(rest);
	if (rest.empty())
		return 0;

	char quote = 0;
	size_t i = 0;
	for (; i < rest.size(); i++) {
		char c = rest[i];
		if (c == '\\') {
			if (i + 1 == rest.size()) {
				if (!relax)
					return -EINVAL;
				word += c;
				continue;
			}
			word += rest[++i];
		} else if (quote) {
			if (c == quote)
				quote = 0;
			else
				word += c;
		} else if (unquote && (c == '\'' || c == '"')) {
			quote = c;
		} else if (isSpace(c)) {
			break;
		} else {
			word += c;
		}
	}
	if (quote && !relax)
		return -EINVAL;
	rest = skipSpace(rest.substr(i));
	return 1;
}

} // namespace modloadd
