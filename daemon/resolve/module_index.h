// libkmod's view of one kernel's module tree and modprobe.d, behind plain values.
#pragma once

#include "base/handles.h"
#include "base/result.h"
#include "system/kernel_tree.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace modloadd {

struct ModuleInfo {
	std::string name;	 // canonical module name
	std::string path;	 // .ko on disk (with root prefix); empty for builtin
	std::string displayPath; // as the target system sees it
	bool builtin = false;
	std::vector<std::string> deps; // modules.dep: every module it needs, transitively
	std::vector<std::string> softPre;
	std::vector<std::string> softPost;
	std::string options;	    // modprobe.d `options` (and the running kernel's command line)
	std::string installCommand; // modprobe.d `install`
	bool blacklisted = false;   // modprobe.d `blacklist`
};

// Not thread-safe (libkmod is not): one per thread, used from the thread that opened it.
class ModuleIndex {
public:
	// modprobe.d is read from the root's /etc, /run, /usr/local/lib, /lib and /usr/lib.
	static Result<ModuleIndex> open(std::string_view root, const KernelTree &tree);

	// Module names a name, alias or modalias stands for (modprobe's lookup order: modprobe.d
	// aliases, modules.dep names, modules.alias, modules.builtin). Empty when none; an Error
	// when the lookup itself failed.
	Result<std::vector<std::string>> lookup(std::string_view nameOrAlias);

	// Everything known about one module (memoised); nullopt when kmod has no such module.
	const ModuleInfo *info(const std::string &moduleName);

	// Every module in modules.dep (for benchmarks and whole-tree checks).
	std::vector<std::string> allModules() const;

	const KernelTree &tree() const { return tree_; }
	const std::string &root() const { return root_; }

	// depmod rewrote the indexes (or modprobe.d changed) since open(): reopen to see new
	// modules. Cheap enough to ask before every batch of lookups (a stat per index file).
	bool stale() const;

private:
	ModuleIndex(KmodContext ctx, KernelTree tree, std::string root)
	    : ctx_(std::move(ctx)), tree_(std::move(tree)), root_(std::move(root))
	{
	}
	std::optional<ModuleInfo> load(kmod_module *mod);

	KmodContext ctx_;
	KernelTree tree_;
	std::string root_;
	std::map<std::string, std::optional<ModuleInfo>> cache_;
	std::set<std::string>
		blacklist_; // modprobe.d `blacklist` (and the running kernel's cmdline)
};

} // namespace modloadd
