// `modloadctl explain`'s output: step by step for a person, or one JSON object.
#pragma once

#include "resolve/module_explain.h"

#include <string>

namespace modloadd {

// The steps: the query and the patterns it matched, then per module the file that loads and
// every copy with why, dependencies, softdeps, blacklist, options, the running copy, taint,
// firmware, the initramfs.
std::string explainText(const Explanation &ex);

// {"query", "kernel", "kind", "modalias", "modules": [...]} (docs/modloadctl.1 lists the fields).
std::string explainJson(const Explanation &ex);

} // namespace modloadd
