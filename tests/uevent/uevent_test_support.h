// Helpers shared by the uevent tests: fixture files, sysfs reads, skipping without a facility.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modloadd::testing {

// The captured kernel messages under tests/uevent/fixtures ("cpu-add" -> cpu-add.uevent).
std::string fixtureMessage(std::string_view name);

// A whole file, bytes as they are; nullopt when it cannot be read.
std::optional<std::string> readWholeFile(const std::string &path);

// The lines a shell command prints; `status` is its exit status.
std::vector<std::string> commandLines(const std::string &command, int &status);

// Exit 77 (skip) with `reason` on stderr unless `ok`.
void skipUnless(bool ok, std::string_view reason);

} // namespace modloadd::testing
