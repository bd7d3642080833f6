// Architectures in systemd's words ("x86-64", "arm64", ...), as ConditionArchitecture= names them.
#pragma once

#include <optional>
#include <string_view>

namespace modloadd {

// uname -m ("x86_64", "aarch64", "armv7l", ...) in systemd's words ("x86-64", "arm64",
// "arm"); nullopt when unknown.
std::optional<std::string_view> architectureOfMachine(std::string_view machine);
// The architecture this binary was built for, in systemd's words.
std::string_view nativeArchitecture();

} // namespace modloadd
