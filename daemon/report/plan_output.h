// `modloadctl plan` output: a table for people, one JSON object for programs.
#pragma once

#include "resolve/boot_plan.h"

#include <string>

namespace modloadd {

// The modules in load order; then, when there are rules, a "Rules" section with each rule's
// verdict and the modules it adds; a summary line and the warnings.
std::string planTable(const BootPlan &plan);

// {"kernel": "...", "modules": [{"name", "action", "path", "origins", "after", ...}],
//  "rules": [{"name", "file", "description", "fires", "why", "modules", "notices"}], ...}
std::string planJson(const BootPlan &plan);

} // namespace modloadd
