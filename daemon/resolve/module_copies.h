// Every copy of one module that depmod sees, and why the one modules.dep holds won (depmod.d).
#pragma once

#include "resolve/depmod_config.h"
#include "system/kernel_tree.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace modloadd {

// A module file depmod walks past: the kernel's module directory (less build/, source/ and the
// excluded names) and the external directories.
struct ModuleCopy {
	std::string module;	 // the module's name, from the file's
	std::string path;	 // on disk, with the root prefix
	std::string displayPath; // as the target system sees it
	std::string excludedBy;	 // "FILE:LINE" of the exclude that hides it from depmod; or empty
};

// The files of module NAME (file names compared with '-' as '_') under ROOT's TREE and
// CONFIG's external directories, in the order of their paths. An external directory named with
// the root's prefix is taken as it is: `depmod -b ROOT` walks external directories without
// the base directory.
std::vector<ModuleCopy> findModuleCopies(std::string_view root, const KernelTree &tree,
					 const DepmodConfig &config, const std::string &name);

// Every module file under ROOT's TREE and CONFIG's external directories, as findModuleCopies()
// finds them, grouped by module.
std::map<std::string, std::vector<ModuleCopy>>
findAllModuleCopies(std::string_view root, const KernelTree &tree, const DepmodConfig &config);

// One copy, judged: whether it is the one modules.dep holds, and why it won or lost.
struct Candidate {
	std::string path; // as the target system sees it
	bool chosen = false;
	std::string why;
	// The chosen copy only: depmod's choice is not certain (copies of equal priority), or
	// modules.dep disagrees with depmod.d (it ran before a copy or a line came).
	bool doubtful = false;
};

// COPIES judged against CHOSEN (the display path modules.dep holds; empty for a builtin
// module) by depmod's rules: an override first, then the search order (`updates` before the
// kernel's tree by default; `built-in` and `external` where the search line puts them), and
// between copies of equal priority, the order depmod's directory walk met them in.
std::vector<Candidate> judgeCopies(const std::vector<ModuleCopy> &copies, const std::string &chosen,
				   const KernelTree &tree, const DepmodConfig &config);

} // namespace modloadd
