// Helpers shared by the uevent tests: fixture files, sysfs reads, skipping without a facility.
#include "uevent_test_support.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <iterator>
#include <sys/wait.h>

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
	std::string out;
	FILE *p = popen(command.c_str(), "r");
	if (!p) {
		status = -1;
		return {};
	}
	std::array<char, 4096> buf;
	size_t n;
	while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
		out.append(buf.data(), n);
	int raw = pclose(p);
	status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
	std::vector<std::string> lines;
	size_t start = 0;
	while (start < out.size()) {
		size_t end = out.find('\n', start);
		if (end == std::string::npos)
			end = out.size();
		lines.push_back(out.substr(start, end - start));
		start = end + 1;
	}
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
