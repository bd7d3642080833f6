// Tests for systemd's word splitting in daemon/base/words.h.
#include <catch2/catch.hpp>

#include <cerrno>
#include <string>
#include <vector>

#include "base/words.h"

using namespace modloadd;

namespace {

// Every word of `s`, and "<error>" where extractWord() refused the rest.
std::vector<std::string> words(std::string_view s, bool unquote, bool relax)
{
	std::vector<std::string> out;
	std::string w;
	int r;
	while ((r = extractWord(s, w, unquote, relax)) > 0)
		out.push_back(w);
	if (r < 0)
		out.push_back("<error>");
	return out;
}

using Strings = std::vector<std::string>;

} // namespace

TEST_CASE("given extractWord, we should split like systemd's extract_first_word()", "[words]")
{
	CHECK(words("  a b\t c ", true, false) == Strings{"a", "b", "c"});
	CHECK(words("a=\"b c\" 'd e'f", true, false) == Strings{"a=b c", "d ef"});
	CHECK(words("a\\ b c", true, false) == Strings{"a b", "c"});
	CHECK(words("\"a b", true, false) == Strings{"<error>"});
	CHECK(words("\"a b", true, true) == Strings{"a b"});
	CHECK(words("\"a b\"", false, false) == Strings{"\"a", "b\""});
	CHECK(words("", true, false).empty());
}

TEST_CASE("given a trailing backslash, we should refuse it, or keep it when relaxed", "[words]")
{
	CHECK(words("a b\\", true, false) == Strings{"a", "<error>"});
	CHECK(words("a b\\", true, true) == Strings{"a", "b\\"});
	// Inside quotes a backslash still keeps the next character.
	CHECK(words("\"a\\\"b\" c", true, false) == Strings{"a\"b", "c"});
}

TEST_CASE("given a word taken, we should leave the rest without its leading whitespace", "[words]")
{
	std::string_view rest = " \tfirst \r\n second  ";
	std::string w;
	REQUIRE(extractWord(rest, w, true, false) == 1);
	CHECK(w == "first");
	CHECK(rest == "second  ");
	REQUIRE(extractWord(rest, w, true, false) == 1);
	CHECK(w == "second");
	CHECK(rest.empty());
	CHECK(extractWord(rest, w, true, false) == 0);
	CHECK(w.empty());

	std::string_view bad = "'open";
	CHECK(extractWord(bad, w, true, false) == -EINVAL);
}
