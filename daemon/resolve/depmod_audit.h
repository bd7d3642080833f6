// What changed in a module tree since depmod last indexed it, over the whole tree: the files
// modules.dep lists that are gone, the module files newer than its index, and those it does not
// list at all (`modloadctl doctor`'s depmod-stale).
#pragma once

#include "resolve/module_copies.h"
#include "system/kernel_tree.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace modloadd {

struct StaleFile {
	enum class Kind {
		Gone,	    // modules.dep lists it; it is not there
		Newer,	    // changed after modules.dep.bin was written
		NotIndexed, // no modules.dep line names its module
	};
	Kind kind;
	std::string module;
	std::string path; // as the target system sees it
};

struct DepmodAudit {
	bool noIndex = false; // no modules.dep: depmod never ran for this tree
	std::vector<StaleFile> files;
};

// TREE's modules.dep (under ROOT) against COPIES, every module file depmod would walk
// (findAllModuleCopies()); the copies an exclude line hides are left out.
DepmodAudit auditDepmod(std::string_view root, const KernelTree &tree,
			const std::map<std::string, std::vector<ModuleCopy>> &copies);

} // namespace modloadd
