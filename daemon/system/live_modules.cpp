// Reading /proc/modules under a root.
#include "system/live_modules.h"

#include "base/rooted_path.h"
#include "base/strings.h"

#include <fstream>
#include <vector>

namespace modloadd {

std::map<std::string, std::string> readModuleStates(std::string_view root)
{
	std::map<std::string, std::string> states;
	std::ifstream in(rootedPath(root, "/proc/modules"));
	std::string line;
	while (std::getline(in, line)) {
		// "name size refcount deps state address"
		std::vector<std::string> fields = split(line, ' ');
		if (!fields.empty())
			states[normalizeModuleName(fields[0])] =
				fields.size() >= 5 ? fields[4] : "";
	}
	return states;
}

std::set<std::string> readLiveModules(std::string_view root)
{
	// A module still loading counts as live: inserting it again would only get EEXIST.
	std::set<std::string> live;
	for (auto &[name, state] : readModuleStates(root))
		live.insert(name);
	return live;
}

} // namespace modloadd
