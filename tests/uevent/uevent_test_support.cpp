// Helpers shared by the uevent tests: fixture files, sysfs reads, skipping without a facility.
#include "uevent_test_support.h"

#include "base/strings.h"
#include "tree_support.h"

#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <iterator>

namespace modloadd::testing {

std::string fixtureMessage(std::string_view name)
{
	std::string path = fmt::format("{}/{}.uevent", MODLOADD_UEVENT_FIXTURES, name);
	auto text = readWholeFile(path);
	if (!text) {
		fmt::print(stderr, "cannot read fixture {}\n", path);
		abort(); // a missing fixture is a broken checkout, not a skip
	}
	return *text;
}

std::optional<std::string> readWholeFile(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in)
		return std::nullopt;
	std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
	if (in.bad())
		return std::nullopt;
	return text;
}

std::vector<std::string> commandLines(const std::string &command, int &status)
{
	std::string out = capture(command, status);
	std::vector<std::string> lines = split(out, '\n', false);
	if (!lines.empty() && lines.back().empty())
		lines.pop_back(); // the newline that ends the last line
	return lines;
}

void skipUnless(bool ok, std::string_view reason)
{
	if (ok)
		return;
	fmt::print(stderr, "SKIP: {}\n", reason);
	exit(77);
}

} // namespace modloadd::testing
