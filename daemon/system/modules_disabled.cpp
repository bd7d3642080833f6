// kernel.modules_disabled under a root.
#include "system/modules_disabled.h"

#include "base/rooted_path.h"
#include "base/strings.h"
#include "system/fact_files.h"

namespace modloadd {

bool modulesDisabled(std::string_view root)
{
	auto line = readFactLine(rootedPath(root, kModulesDisabledPath));
	return line && trim(*line) == "1";
}

} // namespace modloadd
