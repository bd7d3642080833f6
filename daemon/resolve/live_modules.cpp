// Reading /proc/modules under a root.
#include "resolve/live_modules.h"

#include "base/strings.h"

#include <fstream>

namespace modloadd {

std::set<std::string> readLiveModules(std::string_view root)
{
	std::set<std::string> live;
	std::ifstream in(rootedPath(root, "/proc/modules"));
	std::string line;
	while (std::getline(in, line)) {
		// "name size refcount deps state address"; a module still loading counts as live:
		// inserting it again would only get EEXIST.
		auto space = line.find(' ');
		if (space != std::string::npos && space > 0)
			live.insert(normalizeModuleName(line.substr(0, space)));
	}
	return live;
}

} // namespace modloadd
