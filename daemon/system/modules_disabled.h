// Whether the kernel takes modules at all: kernel.modules_disabled.
#pragma once

#include <string>
#include <string_view>

namespace modloadd {

// The file that says it, as the user knows it (without the root).
inline constexpr std::string_view kModulesDisabledPath = "/proc/sys/kernel/modules_disabled";

// ROOT/proc/sys/kernel/modules_disabled reads "1": the kernel refuses every module until the
// next boot (the switch cannot be turned back). A missing or unreadable file is "no": a kernel
// without the switch, or a root that is not a running system.
bool modulesDisabled(std::string_view root);

} // namespace modloadd
