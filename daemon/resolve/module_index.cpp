// libkmod lookups: aliases, modules.dep, softdeps, options, blacklist, builtin.
#include "resolve/module_index.h"

#include "base/strings.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>

namespace modloadd {

namespace {

// modprobe.d(5) directories, highest priority first.
constexpr std::array<std::string_view, 5> kModprobeDirs = {
	"/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/lib/modprobe.d",
	"/usr/lib/modprobe.d"};

std::string displayFor(std::string_view root, std::string_view path)
{
	std::string_view r = root;
	while (!r.empty() && r.back() == '/')
		r.remove_suffix(1);
	if (!r.empty() && startsWith(path, r))
		return std::string(path.substr(r.size()));
	return std::string(path);
}

} // namespace

bool ModuleIndex::stale() const
{
	return kmod_validate_resources(ctx_.get()) != KMOD_RESOURCES_OK;
}

Result<ModuleIndex> ModuleIndex::open(std::string_view root, const KernelTree &tree)
{
	std::vector<std::string> configDirs;
	for (std::string_view d : kModprobeDirs)
		configDirs.push_back(rootedPath(root, d));
	std::vector<const char *> configPaths;
	for (const std::string &d : configDirs)
		configPaths.push_back(d.c_str());
	configPaths.push_back(nullptr);

	KmodContext ctx(kmod_new(tree.dir.c_str(), configPaths.data()));
	if (!ctx)
		return Error{-ENOMEM,
			     fmt::format("cannot create a libkmod context for {}", tree.dir)};
	// Loading the indexes up front turns every lookup into an mmap'ed search.
	int r = kmod_load_resources(ctx.get());
	if (r < 0)
		return Error{r,
			     fmt::format("cannot load the module indexes in {}: {} (run depmod?)",
					 tree.dir, strerror(-r))};
	ModuleIndex index(std::move(ctx), tree, std::string(root));
	KmodConfigIter it(kmod_config_get_blacklists(index.ctx_.get()));
	while (it && kmod_config_iter_next(it.get()))
		index.blacklist_.insert(normalizeModuleName(kmod_config_iter_get_key(it.get())));
	return index;
}

Result<std::vector<std::string>> ModuleIndex::lookup(std::string_view nameOrAlias)
{
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
		if (kmod_module_new_from_name(ctx_.get(), moduleName.c_str(), &raw) >= 0) {
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
	if (const char *path = kmod_module_get_path(mod)) {
		info.path = path;
		info.displayPath = displayFor(root_, path);
	} else {
		// No file: builtin if modules.builtin says so (libkmod answers that from the tree's
		// index before it looks at /sys), otherwise kmod does not know this module.
		if (kmod_module_get_initstate(mod) != KMOD_MODULE_BUILTIN)
			return std::nullopt;
		info.builtin = true;
	}

	KmodList deps(kmod_module_get_dependencies(mod));
	kmod_list *l;
	kmod_list_foreach(l, deps.get())
	{
		KmodModule dep(kmod_module_get_module(l));
		info.deps.push_back(kmod_module_get_name(dep.get()));
	}

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

std::vector<std::string> ModuleIndex::allModules() const
{
	std::vector<std::string> out;
	std::ifstream dep(tree_.dir + "/modules.dep");
	std::string line;
	while (std::getline(dep, line)) {
		auto colon = line.find(':');
		if (colon == std::string::npos)
			continue;
		std::string path = line.substr(0, colon);
		auto slash = path.rfind('/');
		std::string file = path.substr(slash == std::string::npos ? 0 : slash + 1);
		file = file.substr(0, file.find(".ko"));
		out.push_back(normalizeModuleName(file));
	}
	return out;
}

} // namespace modloadd
