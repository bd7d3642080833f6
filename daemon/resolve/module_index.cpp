// libkmod lookups: aliases, modules.dep, softdeps, options, blacklist, builtin.
#include "resolve/module_index.h"

#include "base/module_name.h"
#include "base/rooted_path.h"

#include "base/strings.h"
#include "config/conf_files.h"

#include <array>
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sys/stat.h>
#include <syslog.h>

namespace modloadd {

namespace {

// modprobe.d(5) directories, highest priority first.
constexpr std::array<std::string_view, 5> kModprobeDirs = {
	"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/lib/modprobe.d",
	"/usr/lib/modprobe.d"};

// "kernel/net/foo-bar.ko.xz" -> "foo_bar", as kmod names a module after its file.
std::string moduleNameOf(std::string_view path)
{
	auto slash = path.rfind('/');
	std::string_view file = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
	return normalizeModuleName(file.substr(0, file.find(".ko")));
}

// Each line of DIR/modules.dep as its module file and what follows the colon, until FN returns
// false.
template <typename Fn> void forEachDepLine(const std::string &dir, Fn fn)
{
	std::ifstream dep(dir + "/modules.dep");
	std::string line;
	while (std::getline(dep, line)) {
		auto colon = line.find(':');
		if (colon == std::string::npos)
			continue;
		std::string_view text = line;
		if (!fn(text.substr(0, colon), text.substr(colon + 1)))
			return;
	}
}

bool isNewer(const struct stat &st, const timespec &than)
{
	return st.st_mtim.tv_sec > than.tv_sec ||
	       (st.st_mtim.tv_sec == than.tv_sec && st.st_mtim.tv_nsec > than.tv_nsec);
}

// libkmod's log function. libkmod would print to stderr itself ("libkmod: ERROR ..."); while
// the index looks modules up and reads their modules.dep lines, an error is the stale depmod
// the index finds out itself and its callers report, so it is counted and not printed. Other
// errors (loading the indexes, say) still reach stderr, as before.
void routeKmodLog(void *data, int priority, const char *, int, const char *fn, const char *format,
		  va_list args)
{
	auto *log = static_cast<KmodLog *>(data);
	if (log->quiet) {
		if (priority <= LOG_ERR)
			log->errors++;
		return;
	}
	fprintf(stderr, "libkmod: %s: ", fn);
	vfprintf(stderr, format, args);
}

// While one lives, libkmod's errors are counted, not printed.
class QuietKmod {
public:
	explicit QuietKmod(KmodLog &log) : log_(log), was_(log.quiet) { log_.quiet = true; }
	~QuietKmod() { log_.quiet = was_; }
	QuietKmod(const QuietKmod &) = delete;
	QuietKmod &operator=(const QuietKmod &) = delete;

private:
	KmodLog &log_;
	bool was_;
};

// The directories where module files are installed after the kernel's own: depmod.d's default
// search order ("updates", then the tree) and DKMS's and out-of-tree builds' homes.
constexpr std::array<std::string_view, 4> kInstallDirs = {"kernel", "updates", "updates/dkms",
							  "extra"};

// The first of DIR's index files ("modules.*") that is a link libkmod would follow elsewhere
// than inside ROOT: libkmod opens the indexes itself and follows links as the host sees them,
// so a link is fine only when the host and the root resolve it to the same file (a relative
// link that stays in the root). None when every index is the root's own.
std::optional<std::string> indexOutsideRoot(std::string_view root, const std::string &dir)
{
	std::error_code ec;
	for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
		std::string name = entry.path().filename();
		if (!name.starts_with("modules.") || !entry.is_symlink(ec))
			continue;
		char onHost[PATH_MAX];
		char inside[PATH_MAX];
		std::string confined = confinedPath(root, entry.path().native());
		bool hostFinds = realpath(entry.path().c_str(), onHost) != nullptr;
		bool rootFinds = realpath(confined.c_str(), inside) != nullptr;
		if (hostFinds != rootFinds || (hostFinds && std::strcmp(onHost, inside) != 0))
			return name;
	}
	return std::nullopt;
}

} // namespace

std::string depmodCommand(const KernelTree &tree)
{
	return fmt::format("depmod -a {}", tree.version);
}

bool ModuleIndex::stale() const
{
	return kmod_validate_resources(ctx_.get()) != KMOD_RESOURCES_OK;
}

Result<ModuleIndex> ModuleIndex::open(std::string_view root, const KernelTree &tree)
{
	// On the host libkmod reads modprobe.d's directories itself. Under a root it gets the files
	// instead, each found and resolved inside the root (listConfFiles(): the same choice of a
	// name among the directories, in the same order): libkmod would follow a link in the
	// image to the host's files.
	std::vector<std::string> configDirs;
	if (isHostRoot(root)) {
		for (std::string_view d : kModprobeDirs)
			configDirs.push_back(std::string(d));
	} else {
		Diagnostics unread; // a directory it cannot list, libkmod would not read either
		for (ConfFile &f : listConfFiles(root, "modprobe.d", ".conf", unread))
			configDirs.push_back(std::move(f.path));
	}
	if (!isHostRoot(root))
		if (auto outside = indexOutsideRoot(root, tree.dir))
			return Error{
				-ELOOP,
				fmt::format("cannot load the module indexes in {}: {} is a link "
					    "that leads elsewhere than inside the root (libkmod "
					    "follows it as this host sees it)",
					    tree.dir, *outside)};
	std::vector<const char *> configPaths;
	for (const std::string &d : configDirs)
		configPaths.push_back(d.c_str());
	configPaths.push_back(nullptr);

	KmodContext ctx(kmod_new(tree.dir.c_str(), configPaths.data()));
	if (!ctx)
		return Error{-ENOMEM,
			     fmt::format("cannot create a libkmod context for {}", tree.dir)};
	auto log = std::make_unique<KmodLog>();
	kmod_set_log_fn(ctx.get(), routeKmodLog, log.get());
	// Loading the indexes up front turns every lookup into an mmap'ed search.
	int r = kmod_load_resources(ctx.get());
	if (r < 0)
		return Error{r,
			     fmt::format("cannot load the module indexes in {}: {} (run depmod?)",
					 tree.dir, strerror(-r))};
	ModuleIndex index(std::move(log), std::move(ctx), tree, std::string(root));
	KmodConfigIter it(kmod_config_get_blacklists(index.ctx_.get()));
	while (it && kmod_config_iter_next(it.get()))
		index.blacklist_.insert(normalizeModuleName(kmod_config_iter_get_key(it.get())));

	// When depmod last ran: libkmod reads modules.dep.bin (modules.dep is its text twin).
	struct stat st;
	if (stat((tree.dir + "/modules.dep.bin").c_str(), &st) == 0 ||
	    stat((tree.dir + "/modules.dep").c_str(), &st) == 0)
		index.depmodTime_ = st.st_mtim;
	for (std::string_view d : kInstallDirs)
		index.checkDir(fmt::format("{}/{}", tree.dir, d));
	return index;
}

// Whether a tree changed after depmod, found cheaply: statting the whole tree (thousands of
// files on a distribution kernel) at every lookup would cost more than the lookups. Instead
// each module file the index hands out is statted once (it must exist, and be no newer than
// modules.dep), and so is each directory holding one, and the directories modules are
// installed into after the kernel (kInstallDirs) once per open: a file added, replaced or
// removed there changes the directory's mtime, even when the package kept the file's own
// older mtime. A module installed without depmod in a directory nothing else uses is missed,
// as its lookup finds nothing anyway.
bool ModuleIndex::checkFile(const std::string &path)
{
	struct stat st;
	if (stat(path.c_str(), &st) < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			return true; // there but unreadable: the insertion will say why
		lag_.missing.push_back(pathInRoot(root_, path));
		// Its directory changed as it went: that says nothing more.
		std::string dir = path.substr(0, path.rfind('/'));
		dirsChecked_.insert(dir);
		std::erase(lag_.newer, pathInRoot(root_, dir) + "/");
		return false;
	}
	if (depmodTime_ && isNewer(st, *depmodTime_))
		lag_.newer.push_back(pathInRoot(root_, path));
	checkDir(path.substr(0, path.rfind('/')));
	return true;
}

void ModuleIndex::checkDir(const std::string &dir)
{
	if (!depmodTime_ || !dirsChecked_.insert(dir).second)
		return;
	struct stat st;
	if (stat(dir.c_str(), &st) == 0 && isNewer(st, *depmodTime_))
		lag_.newer.push_back(pathInRoot(root_, dir) + "/");
}

Result<std::vector<std::string>> ModuleIndex::lookup(std::string_view nameOrAlias)
{
	// What libkmod cannot take safely, whichever source it came from.
	if (nameOrAlias.size() > kMaxLookupLength)
		return Error{-ENAMETOOLONG,
			     fmt::format("lookup failed: longer than {} bytes", kMaxLookupLength)};
	// A lookup by name reads the module's modules.dep line too.
	QuietKmod quiet(*log_);
	kmod_list *raw = nullptr;
	std::string key(nameOrAlias);
	int r = kmod_module_new_from_lookup(ctx_.get(), key.c_str(), &raw);
	KmodList list(raw);
	if (r < 0)
		return Error{r, fmt::format("lookup failed: {}", strerror(-r))};
	std::vector<std::string> out;
	kmod_list *l;
	kmod_list_foreach(l, list.get())
	{
		KmodModule mod(kmod_module_get_module(l));
		std::string name = kmod_module_get_name(mod.get());
		if (!cache_.count(name))
			cache_[name] = load(mod.get());
		out.push_back(std::move(name));
	}
	return out;
}

const ModuleInfo *ModuleIndex::info(const std::string &moduleName)
{
	auto it = cache_.find(moduleName);
	if (it == cache_.end()) {
		kmod_module *raw = nullptr;
		std::optional<ModuleInfo> value;
		if (moduleName.size() <= kMaxLookupLength &&
		    kmod_module_new_from_name(ctx_.get(), moduleName.c_str(), &raw) >= 0) {
			KmodModule mod(raw);
			value = load(mod.get());
		}
		it = cache_.emplace(moduleName, std::move(value)).first;
	}
	return it->second ? &*it->second : nullptr;
}

std::optional<ModuleInfo> ModuleIndex::load(kmod_module *mod)
{
	ModuleInfo info;
	info.name = kmod_module_get_name(mod);
	// libkmod reads the module's modules.dep line on first use: here, or in the lookup.
	QuietKmod quiet(*log_);
	if (const char *path = kmod_module_get_path(mod)) {
		// A module file is read inside the root, whatever links the tree has.
		info.path = confinedPath(root_, path);
		info.displayPath = pathInRoot(root_, path);
		info.fileMissing = !checkFile(info.path);
	} else {
		// No file: builtin if modules.builtin says so (libkmod answers that from the tree's
		// index before it looks at /sys), otherwise kmod does not know this module.
		if (kmod_module_get_initstate(mod) != KMOD_MODULE_BUILTIN)
			return std::nullopt;
		info.builtin = true;
	}
	readDeps(mod, info);

	kmod_list *l;
	kmod_list *pre = nullptr, *post = nullptr;
	if (kmod_module_get_softdeps(mod, &pre, &post) >= 0) {
		KmodList preList(pre), postList(post);
		kmod_list_foreach(l, preList.get())
		{
			KmodModule m(kmod_module_get_module(l));
			info.softPre.push_back(kmod_module_get_name(m.get()));
		}
		kmod_list_foreach(l, postList.get())
		{
			KmodModule m(kmod_module_get_module(l));
			info.softPost.push_back(kmod_module_get_name(m.get()));
		}
	}

	if (const char *opts = kmod_module_get_options(mod))
		info.options = opts;
	if (const char *cmd = kmod_module_get_install_commands(mod))
		info.installCommand = cmd;

	info.blacklisted = blacklist_.count(info.name) > 0;
	return info;
}

// When a file a modules.dep line lists is gone, libkmod logs an error and returns no
// dependencies at all (kmod_module_get_dependencies() cannot tell "none" from "could not"), and
// tries again, logging again, at every call. The line itself still says what the module needs:
// read it from the text file, so that the missing dependency stays in the graph.
void ModuleIndex::readDeps(kmod_module *mod, ModuleInfo &info)
{
	QuietKmod quiet(*log_);
	unsigned before = log_->errors;
	KmodList deps(kmod_module_get_dependencies(mod));
	if (log_->errors != before && !info.path.empty()) {
		auto fromText = depsFromText(info.path);
		if (fromText)
			info.deps = std::move(*fromText);
		else
			info.depsUnknown = true;
		return;
	}
	kmod_list *l;
	kmod_list_foreach(l, deps.get())
	{
		KmodModule dep(kmod_module_get_module(l));
		info.deps.push_back(kmod_module_get_name(dep.get()));
	}
}

// The dependencies modules.dep lists for the module at PATH, as libkmod would have parsed them;
// nullopt when the text file has no line for it. Only for a module libkmod gave up on: it reads
// the whole file.
std::optional<std::vector<std::string>> ModuleIndex::depsFromText(const std::string &path) const
{
	std::string prefix = tree_.dir + "/";
	std::string_view rel = path;
	if (startsWith(rel, prefix))
		rel.remove_prefix(prefix.size());
	std::optional<std::vector<std::string>> found;
	forEachDepLine(tree_.dir, [&](std::string_view file, std::string_view deps) {
		if (file != rel && file != path)
			return true;
		found.emplace();
		for (const std::string &p : split(deps, ' '))
			if (!trim(p).empty())
				found->push_back(moduleNameOf(trim(p)));
		return false;
	});
	return found;
}

std::vector<std::string> ModuleIndex::allModules() const
{
	std::vector<std::string> out;
	forEachDepLine(tree_.dir, [&](std::string_view file, std::string_view) {
		out.push_back(moduleNameOf(file));
		return true;
	});
	return out;
}

} // namespace modloadd
