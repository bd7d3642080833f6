// Which modules the target kernel already has live.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>

namespace modloadd {

// Names from ROOT/proc/modules; empty when there is no such file (a kernel without module
// support, or a --root that is not a running system).
std::set<std::string> readLiveModules(std::string_view root);

// The same names with their state as the kernel gives it ("Live", "Loading", "Unloading"; empty
// when the line has no state field).
std::map<std::string, std::string> readModuleStates(std::string_view root);

} // namespace modloadd
