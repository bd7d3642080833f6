// `modloadctl plan` output: a table for people, one JSON object for programs.
#pragma once

#include "resolve/boot_plan.h"

#include <string>

namespace modloadd {

std::string planTable(const BootPlan &plan);

// {"kernel": "...", "modules": [{"name", "action", "path", "origins", "after", ...}], ...}
std::string planJson(const BootPlan &plan);

} // namespace modloadd
