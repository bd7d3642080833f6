// systemd's version order (strverscmp_improved()), as ConditionKernelVersion= compares.
#pragma once

#include <string_view>

namespace modloadd {

// <0, 0 or >0, as `a` is older, the same or newer than `b`.
// "6.1" < "6.1.0" < "6.1.0-56-cloud-amd64", "6.1~rc1" < "6.1".
int compareVersions(std::string_view a, std::string_view b);

} // namespace modloadd
