// libkmod's view of one kernel's module tree and modprobe.d, behind plain values.
#pragma once

#include "base/handles.h"
#include "base/result.h"
#include "system/kernel_tree.h"

#include <ctime>
#include <map>
#include <memory>
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
	// The file modules.dep names for it does not exist: depmod ran before it was removed.
	bool fileMissing = false;
	std::vector<std::string> deps; // modules.dep: every module it needs, transitively
	// libkmod gave up on its modules.dep line and the text file has no line for it either:
	// what it needs is unknown.
	bool depsUnknown = false;
	std::vector<std::string> softPre;
	std::vector<std::string> softPost;
	std::string options;	    // modprobe.d `options` (and the running kernel's command line)
	std::string installCommand; // modprobe.d `install`
	bool blacklisted = false;   // modprobe.d `blacklist`
};

// Signs that the module tree changed after depmod last indexed it, met while the index answered:
// a modules.dep that no longer describes the tree. Paths as the target system sees them.
struct DepmodLag {
	std::vector<std::string> missing; // files modules.dep lists that do not exist
	std::vector<std::string> newer;	  // module files and directories changed after modules.dep
	bool any() const { return !missing.empty() || !newer.empty(); }
};

// The fix for a lagging depmod, for the target system to run: "depmod -a VERSION".
std::string depmodCommand(const KernelTree &tree);

// Where libkmod's log goes (ModuleIndex routes it; the context keeps a pointer to it).
struct KmodLog {
	bool quiet = false;  // count errors instead of printing them
	unsigned errors = 0; // counted while quiet
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
	// libkmod's context, for questions the values above do not answer (modinfo's fields).
	kmod_ctx *context() const { return ctx_.get(); }

	// depmod rewrote the indexes (or modprobe.d changed) since open(): reopen to see new
	// modules. Cheap enough to ask before every batch of lookups (a stat per index file).
	bool stale() const;
	// The opposite case: the tree changed and depmod did not run. What the lookups so far
	// found (it grows as they touch more of the tree); `depmod -a VERSION` is the fix.
	const DepmodLag &depmodLag() const { return lag_; }

private:
	ModuleIndex(std::unique_ptr<KmodLog> log, KmodContext ctx, KernelTree tree,
		    std::string root)
	    : log_(std::move(log)), ctx_(std::move(ctx)), tree_(std::move(tree)),
	      root_(std::move(root))
	{
	}
	std::optional<ModuleInfo> load(kmod_module *mod);
	void readDeps(kmod_module *mod, ModuleInfo &info);
	std::optional<std::vector<std::string>> depsFromText(const std::string &path) const;
	bool checkFile(const std::string &path);
	void checkDir(const std::string &dir);

	std::unique_ptr<KmodLog> log_; // before ctx_, which may log until it is released
	KmodContext ctx_;
	KernelTree tree_;
	std::string root_;
	std::map<std::string, std::optional<ModuleInfo>> cache_;
	std::set<std::string>
		blacklist_; // modprobe.d `blacklist` (and the running kernel's cmdline)
	std::optional<timespec> depmodTime_; // modules.dep.bin's mtime: when depmod last ran
	std::set<std::string> dirsChecked_;
	DepmodLag lag_;
};

} // namespace modloadd
