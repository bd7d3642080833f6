// The whole tree against depmod's index: modules.dep's lines, and the time modules.dep.bin (what
// libkmod reads) was written.
#include "resolve/depmod_audit.h"

#include "base/rooted_path.h"
#include "base/strings.h"

#include <cerrno>
#include <fstream>
#include <set>
#include <sys/stat.h>

namespace modloadd {

namespace {

bool newerThan(const struct stat &st, const timespec &than)
{
	return st.st_mtim.tv_sec > than.tv_sec ||
	       (st.st_mtim.tv_sec == than.tv_sec && st.st_mtim.tv_nsec > than.tv_nsec);
}

} // namespace

DepmodAudit auditDepmod(std::string_view root, const KernelTree &tree,
			const std::map<std::string, std::vector<ModuleCopy>> &copies)
{
	DepmodAudit audit;
	std::ifstream dep(tree.dir + "/modules.dep");
	if (!dep) {
		audit.noIndex = true;
		return audit;
	}
	// The modules it lists, and those of its files that are gone. A path is relative to the
	// tree, or absolute (an external directory) as the target system sees it.
	std::set<std::string> indexed;
	std::string line;
	while (std::getline(dep, line)) {
		auto colon = line.find(':');
		if (colon == std::string::npos || colon == 0)
			continue;
		std::string path = line.substr(0, colon);
		std::string file = path.substr(path.rfind('/') + 1);
		std::string module = normalizeModuleName(file.substr(0, file.find(".ko")));
		indexed.insert(module);
		std::string shown = path[0] == '/' ? path : tree.displayDir + "/" + path;
		std::string onDisk = rootedPath(root, shown);
		struct stat st;
		if (stat(onDisk.c_str(), &st) < 0 && (errno == ENOENT || errno == ENOTDIR))
			audit.files.push_back({StaleFile::Kind::Gone, module, shown});
	}
	struct stat index;
	bool timed = stat((tree.dir + "/modules.dep.bin").c_str(), &index) == 0 ||
		     stat((tree.dir + "/modules.dep").c_str(), &index) == 0;
	for (const auto &[module, list] : copies)
		for (const ModuleCopy &c : list) {
			if (!c.excludedBy.empty())
				continue;
			struct stat st;
			if (!indexed.contains(module))
				audit.files.push_back(
					{StaleFile::Kind::NotIndexed, module, c.displayPath});
			else if (timed && stat(c.path.c_str(), &st) == 0 &&
				 newerThan(st, index.st_mtim))
				audit.files.push_back(
					{StaleFile::Kind::Newer, module, c.displayPath});
		}
	return audit;
}

} // namespace modloadd
