// Which copy of a module depmod prefers, in depmod.d(5)'s words: the copies found by walking
// what depmod walks, each ranked by the override, search and external lines that concern it.
#include "resolve/module_copies.h"

#include "base/rooted_path.h"
#include "base/strings.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fmt/format.h>
#include <optional>

namespace modloadd {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kExtensions[] = {".ko", ".ko.gz", ".ko.xz", ".ko.zst"};

// The module name of a module file's name ("dash-name.ko.xz" -> "dash_name"), or nullopt when
// it is no module file.
std::optional<std::string> moduleOfFile(std::string_view file)
{
	for (std::string_view ext : kExtensions)
		if (endsWith(file, ext) && file.size() > ext.size())
			return normalizeModuleName(file.substr(0, file.size() - ext.size()));
	return std::nullopt;
}

std::string withoutExtension(std::string_view path)
{
	auto ko = path.rfind(".ko");
	return std::string(path.substr(0, ko));
}

bool under(std::string_view path, std::string_view dir)
{
	while (!dir.empty() && dir.back() == '/')
		dir.remove_suffix(1);
	return path.size() > dir.size() && startsWith(path, dir) && path[dir.size()] == '/';
}

// The module files of NAME (of every module when empty) under DIR, a directory depmod walks
// from BASE.
void walk(const std::string &base, const std::string &dir, const DepmodConfig &config,
	  const std::string &name, std::string_view root, std::vector<ModuleCopy> &out)
{
	std::error_code ec;
	for (const fs::directory_entry &e : fs::directory_iterator(dir, ec)) {
		std::string file = e.path().filename().string();
		if (e.is_directory(ec)) {
			if (file == "build" || file == "source" || startsWith(file, "."))
				continue;
			walk(base, e.path().string(), config, name, root, out);
			continue;
		}
		auto module = moduleOfFile(file);
		if (!module || (!name.empty() && *module != name) || !e.is_regular_file(ec))
			continue;
		ModuleCopy copy{*module, e.path().string(), pathInRoot(root, e.path().string()),
				""};
		// depmod skips a directory whose name an exclude line gives, at any depth.
		std::string below = copy.path.substr(base.size());
		for (const DepmodExclude &x : config.excludes)
			if (below.find("/" + x.name + "/") != std::string::npos)
				copy.excludedBy = x.where;
		out.push_back(std::move(copy));
	}
}

// A copy's standing: lower keys win; an override wins over every key.
struct Rank {
	const DepmodOverride *override = nullptr;
	long key = LONG_MAX;
	std::string reason;
};

Rank rankOf(const ModuleCopy &copy, const KernelTree &tree, const DepmodConfig &config,
	    std::string_view root)
{
	Rank rank;
	std::string rel;
	if (under(copy.path, tree.dir))
		rel = copy.path.substr(tree.dir.size() + (tree.dir.back() == '/' ? 0 : 1));
	// The last override line that names this file wins (depmod reads them last first).
	if (!rel.empty())
		for (const DepmodOverride &o : config.overrides)
			if (withoutExtension(rel) == o.subdir + "/" + o.module)
				rank.override = &o;
	if (rank.override) {
		rank.reason = fmt::format("override {} * {} ({})", rank.override->module,
					  rank.override->subdir, rank.override->where);
		return rank;
	}
	long builtin = LONG_MAX;
	std::string builtinReason =
		config.defaultSearch
			? "the kernel's tree (depmod's default with no search line: after updates/)"
			: "the kernel's tree (no search line names built-in: last)";
	const DepmodExternal *external = nullptr;
	size_t externalIndex = 0;
	for (size_t i = 0; i < config.externals.size() && !external; i++)
		if (under(copy.path, confinedPath(root, config.externals[i].dir))) {
			external = &config.externals[i];
			externalIndex = i;
		}
	for (size_t k = 0; k < config.searches.size(); k++) {
		const DepmodSearch &s = config.searches[k];
		long key = static_cast<long>(k) * 1000;
		switch (s.kind) {
		case DepmodSearch::Kind::BuiltIn:
			if (builtin == LONG_MAX) {
				builtin = key;
				builtinReason =
					fmt::format("the kernel's tree ({})", describeSearch(s));
			}
			break;
		case DepmodSearch::Kind::External:
			if (external) {
				rank.key = key + static_cast<long>(externalIndex);
				rank.reason =
					fmt::format("external directory {} ({}): {}", external->dir,
						    external->where, describeSearch(s));
				return rank;
			}
			break;
		case DepmodSearch::Kind::Subdir:
			if (!rel.empty() && startsWith(rel, s.subdir + "/")) {
				rank.key = key;
				rank.reason = describeSearch(s);
				return rank;
			}
			break;
		}
	}
	rank.key = builtin;
	rank.reason = builtinReason;
	if (external)
		rank.reason = fmt::format("external directory {} ({}; no search line names "
					  "external: ranked as {})",
					  external->dir, external->where, builtinReason);
	return rank;
}

constexpr const char *kWalk = "depmod's directory walk decided; add an override to make it certain";

// The copies under the tree and the external directories; NAME empty: every module's.
std::vector<ModuleCopy> walkTree(std::string_view root, const KernelTree &tree,
				 const DepmodConfig &config, const std::string &name)
{
	std::vector<ModuleCopy> out;
	walk(tree.dir, tree.dir, config, name, root, out);
	for (const DepmodExternal &e : config.externals) {
		std::string dir = confinedPath(root, e.dir);
		walk(dir, dir, config, name, root, out);
	}
	std::sort(out.begin(), out.end(),
		  [](const ModuleCopy &a, const ModuleCopy &b) { return a.path < b.path; });
	out.erase(std::unique(out.begin(), out.end(),
			      [](const ModuleCopy &a, const ModuleCopy &b) {
				      return a.path == b.path;
			      }),
		  out.end());
	return out;
}

} // namespace

std::vector<ModuleCopy> findModuleCopies(std::string_view root, const KernelTree &tree,
					 const DepmodConfig &config, const std::string &name)
{
	if (name.empty())
		return {};
	return walkTree(root, tree, config, name);
}

std::map<std::string, std::vector<ModuleCopy>>
findAllModuleCopies(std::string_view root, const KernelTree &tree, const DepmodConfig &config)
{
	std::map<std::string, std::vector<ModuleCopy>> out;
	for (ModuleCopy &c : walkTree(root, tree, config, ""))
		out[c.module].push_back(std::move(c));
	return out;
}

std::vector<Candidate> judgeCopies(const std::vector<ModuleCopy> &copies, const std::string &chosen,
				   const KernelTree &tree, const DepmodConfig &config)
{
	std::vector<Candidate> out;
	std::string fix = fmt::format("run depmod -a {}", tree.version);
	if (chosen.empty()) {
		for (const ModuleCopy &c : copies)
			out.push_back({c.displayPath, false,
				       "not used: the module is built into the kernel"});
		return out;
	}
	// The root is what the tree's directory adds to its display form.
	std::string root = tree.dir.substr(0, tree.dir.size() - tree.displayDir.size());
	auto chosenCopy = std::find_if(copies.begin(), copies.end(), [&](const ModuleCopy &c) {
		return c.displayPath == chosen;
	});
	if (chosenCopy == copies.end()) {
		out.push_back(
			{chosen, true,
			 fmt::format("modules.dep names it, but the file is not there: {}", fix),
			 true});
		for (const ModuleCopy &c : copies)
			out.push_back(
				{c.displayPath, false, fmt::format("not in modules.dep: {}", fix)});
		return out;
	}
	Rank best = rankOf(*chosenCopy, tree, config, root);
	size_t equal = 0, rivals = 0;
	const ModuleCopy *better = nullptr;
	for (const ModuleCopy &c : copies) {
		if (&c == &*chosenCopy)
			continue;
		Candidate cand{c.displayPath, false, ""};
		Rank r = rankOf(c, tree, config, root);
		if (!c.excludedBy.empty()) {
			cand.why = fmt::format("depmod does not look here: exclude ({})",
					       c.excludedBy);
			out.push_back(std::move(cand));
			continue;
		}
		rivals++;
		if (best.override && (!r.override || r.override < best.override)) {
			cand.why = fmt::format("lost to {}: {}", chosen, best.reason);
		} else if (r.override || (!best.override && r.key < best.key)) {
			cand.why = fmt::format(
				"depmod.d prefers this copy ({}), but modules.dep holds "
				"{}: depmod ran before this copy or this configuration; "
				"{}",
				r.reason, chosen, fix);
			better = &c;
		} else if (r.key == best.key) {
			cand.why = fmt::format("equal priority with {} ({}): {}", chosen, r.reason,
					       kWalk);
			equal++;
		} else {
			cand.why = fmt::format("lost to {}: {} comes before {}", chosen,
					       best.reason, r.reason);
		}
		out.push_back(std::move(cand));
	}
	Candidate mine{chosen, true, "", better || equal > 0 || !chosenCopy->excludedBy.empty()};
	if (!chosenCopy->excludedBy.empty())
		mine.why = fmt::format("modules.dep holds it, but it is in an excluded directory "
				       "({}): {}",
				       chosenCopy->excludedBy, fix);
	else if (better)
		mine.why = fmt::format("modules.dep holds it, but depmod.d prefers {}: {}",
				       better->displayPath, fix);
	else if (rivals == 0)
		mine.why = fmt::format("the only copy ({})", best.reason);
	else if (best.override)
		mine.why = best.reason;
	else if (equal > 0)
		mine.why = fmt::format("equal priority with {} other cop{} ({}): {}", equal,
				       equal == 1 ? "y" : "ies", best.reason, kWalk);
	else
		mine.why = fmt::format("{}: before every other copy", best.reason);
	out.insert(out.begin(), std::move(mine));
	return out;
}

} // namespace modloadd
