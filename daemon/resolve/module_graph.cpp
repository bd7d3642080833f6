// Building the load graph: lookups, closure over dependencies and softdeps, blacklist, order.
#include "resolve/module_graph.h"

#include "base/strings.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fmt/format.h>
#include <map>
#include <queue>
#include <unordered_map>
#include <unordered_set>

namespace modloadd {

namespace {

constexpr const char *kForbiddenReason =
	"the kernel refuses it (module_blacklist= on the command line)";

// The graph while it grows: nodes by key, edges by index, in discovery order.
class GraphBuilder {
public:
	GraphBuilder(ModuleIndex &index, const ResolveOptions &options)
	    : index_(index), options_(options)
	{
	}

	void request(const Request &req)
	{
		// Many requests name the same module (a module in 100,000 files, a driver for
		// each of 1,500 CPUs): looked up once, and each origin and device kept once at
		// a constant cost.
		auto cached = lookups_.find(req.name);
		if (cached == lookups_.end())
			cached = lookups_.emplace(req.name, index_.lookup(req.name)).first;
		const auto &found = cached->second;
		if (!found || found->empty()) {
			if (req.fromDevice())
				return; // a device without a driver module: the usual case
			size_t n = node("missing:" + normalizeModuleName(req.name), req.name);
			nodes_[n].planned = OutcomeKind::NotFound;
			nodes_[n].reason = !found ? found.error().message
						  : fmt::format("no module or alias '{}' in {}",
								req.name, index_.tree().displayDir);
			addUnique(n, req.origin);
			return;
		}
		for (const std::string &name : *found) {
			size_t n = node(name, name);
			addUnique(n, req.origin);
			if (!req.fromDevice())
				asked_.insert(n);
			if (req.fromDevice() &&
			    seen_.insert(fmt::format("{}\n{}\n{}", n, req.devpath, req.modalias))
				    .second)
				nodes_[n].devices.push_back({req.devpath, req.modalias});
			if (isRoot_.insert(n).second)
				roots_.push_back(n);
		}
	}

	ModuleGraph finish()
	{
		// Blacklisted roots are loaded only when something else needs them, as modprobe
		// would load them as a dependency; so are roots only devices asked for that
		// DenyModules= denies. Expand the others first.
		std::vector<size_t> held;
		for (size_t n : roots_) {
			const std::string &name = nodes_[n].name;
			if ((isBlacklisted(name) || deniedBy(n)) && !options_.live.count(name))
				held.push_back(n);
			else
				expand(n);
		}
		for (size_t n : held) {
			if (expanded_.count(n))
				continue;
			if (const ModuleInfo *info = index_.info(nodes_[n].name)) {
				nodes_[n].path = info->path;
				nodes_[n].displayPath = info->displayPath;
			}
			nodes_[n].planned = OutcomeKind::Blacklisted;
			const std::string &name = nodes_[n].name;
			if (!isBlacklisted(name)) {
				const DenyGlob *deny = deniedBy(n);
				nodes_[n].deniedBy = deny->describe();
				nodes_[n].reason =
					fmt::format("a device asked for it, and DenyModules={} "
						    "({}:{}) denies that",
						    deny->glob, deny->file, deny->line);
				continue;
			}
			nodes_[n].reason = options_.forbidden.count(name) ? kForbiddenReason
					   : options_.blacklist.count(name)
						   ? "blacklisted on the kernel command line"
						   : "blacklisted in modprobe.d";
		}
		for (const auto &soft : softEdges_) {
			// Not a structured binding: clang 14 (the fuzzing build) cannot capture
			// one.
			const auto &waiter = soft.first;
			const auto &target = soft.second;
			auto &edges = nodes_[waiter].waitsFor;
			bool present =
				std::any_of(edges.begin(), edges.end(), [&](const ModuleEdge &e) {
					return e.module == target;
				});
			if (!present && !waits(target, waiter))
				edges.push_back({target, false});
		}
		return ordered();
	}

private:
	// ORIGIN added to node N's origins unless it has it.
	void addUnique(size_t n, const std::string &origin)
	{
		if (seen_.insert(fmt::format("{}\t{}", n, origin)).second)
			nodes_[n].origins.push_back(origin);
	}

	size_t node(const std::string &key, const std::string &name)
	{
		auto [it, inserted] = byKey_.emplace(key, nodes_.size());
		if (inserted) {
			PlannedModule m;
			m.name = name;
			nodes_.push_back(std::move(m));
		}
		return it->second;
	}

	bool isBlacklisted(const std::string &name)
	{
		if (options_.blacklist.count(name))
			return true;
		const ModuleInfo *info = index_.info(name);
		return info && info->blacklisted;
	}

	// The DenyModules= glob that keeps a root from loading: none once a request other than a
	// device's names it (a person listed it: modules-load.d, the command line, a rule).
	const DenyGlob *deniedBy(size_t n) const
	{
		if (asked_.count(n))
			return nullptr;
		return findDenyGlob(options_.denyForDevices, nodes_[n].name);
	}

	// The modprobe closure of one module: its modules.dep entries, and softdeps of it and of
	// each dependency, recursively (libkmod's probe list).
	void expand(size_t root)
	{
		std::deque<size_t> work{root};
		while (!work.empty()) {
			size_t n = work.front();
			work.pop_front();
			if (!expanded_.insert(n).second)
				continue;
			PlannedModule &m = nodes_[n];
			const ModuleInfo *info = index_.info(m.name);
			if (!info) {
				m.planned = OutcomeKind::NotFound;
				m.reason = fmt::format("no file for module '{}' in {} (stale "
						       "modules.dep?): run {}",
						       m.name, index_.tree().displayDir,
						       depmodCommand(index_.tree()));
				continue;
			}
			m.path = info->path;
			m.displayPath = info->displayPath;
			m.options = info->options;
			if (options_.live.count(m.name)) {
				// Live: its dependencies are too, and modprobe stops here.
				m.planned = OutcomeKind::AlreadyLoaded;
				continue;
			}
			if (options_.forbidden.count(m.name)) {
				// Inserting would only earn EPERM; its users inherit the refusal.
				m.planned = OutcomeKind::Blacklisted;
				m.reason = "the kernel refuses it (module_blacklist= on the "
					   "command line)";
				continue;
			}
			if (info->builtin) {
				m.planned = OutcomeKind::Builtin;
				continue;
			}
			// Removed after depmod ran: missing, and its users fail for it.
			if (info->fileMissing) {
				m.planned = OutcomeKind::NotFound;
				m.reason = fmt::format(
					"{} is listed in modules.dep but does not exist: run {}",
					m.displayPath, depmodCommand(index_.tree()));
				continue;
			}
			if (info->depsUnknown) {
				m.planned = OutcomeKind::Failed;
				m.reason = fmt::format("libkmod cannot read its modules.dep line "
						       "(stale modules.dep?): run {}",
						       depmodCommand(index_.tree()));
				continue;
			}
			if (!info->installCommand.empty()) {
				if (options_.allowInstallCommands) {
					m.installCommand = info->installCommand;
				} else {
					m.planned = OutcomeKind::Blacklisted;
					m.reason = fmt::format(
						"modprobe.d has an install command for it ('{}'), "
						"not run (InstallCommands=deny)",
						info->installCommand);
					continue;
				}
			}
			std::string name = m.name; // `m` dangles once nodes_ grows
			std::vector<size_t> deps;
			for (const std::string &d : info->deps) {
				size_t dn = node(d, d);
				deps.push_back(dn);
				work.push_back(dn);
			}
			hardDeps_[n] = deps;
			for (const std::string &p : info->softPre) {
				size_t pn = node(p, p);
				addUnique(pn, "softdep (pre) of " + name);
				softEdges_.emplace_back(n, pn);
				work.push_back(pn);
			}
			for (const std::string &q : info->softPost) {
				size_t qn = node(q, q);
				addUnique(qn, "softdep (post) of " + name);
				softEdges_.emplace_back(qn, n);
				work.push_back(qn);
			}
		}
		reduceHardEdges();
	}

	// modules.dep lists the transitive closure; keep only the direct edges so the plan reads
	// well and the scheduler has less to track. Dependencies of dependencies are implied.
	void reduceHardEdges()
	{
		for (auto &[n, deps] : hardDeps_) {
			if (reduced_.count(n))
				continue;
			reduced_.insert(n);
			std::set<size_t> implied;
			for (size_t d : deps) {
				auto it = hardDeps_.find(d);
				if (it != hardDeps_.end())
					implied.insert(it->second.begin(), it->second.end());
			}
			for (size_t d : deps) {
				if (implied.count(d))
					continue;
				nodes_[n].waitsFor.push_back({d, true});
				addUnique(d, "dependency of " + nodes_[n].name);
			}
		}
	}

	// Whether `from` already waits, directly or not, for `to`.
	bool waits(size_t from, size_t to) const
	{
		std::vector<size_t> stack{from};
		std::set<size_t> seen;
		while (!stack.empty()) {
			size_t n = stack.back();
			stack.pop_back();
			if (n == to)
				return true;
			if (!seen.insert(n).second)
				continue;
			for (const ModuleEdge &e : nodes_[n].waitsFor)
				stack.push_back(e.module);
		}
		return false;
	}

	// What the scheduler will decide without an attempt, said in the plan too: a module that
	// needs a blacklisted one is not loaded; one that needs a missing one (or one failing so)
	// fails, and is never attempted without it.
	static void markBlockedDependents(ModuleGraph &graph)
	{
		for (PlannedModule &m : graph.modules) {
			if (!m.toInsert())
				continue;
			for (const ModuleEdge &e : m.waitsFor) {
				const PlannedModule &dep = graph.modules[e.module];
				if (!e.hard)
					continue;
				if (dep.planned == OutcomeKind::Blacklisted) {
					m.planned = OutcomeKind::Blacklisted;
					m.reason = fmt::format("dependency '{}' blacklisted",
							       dep.name);
					break;
				}
				if (dep.planned == OutcomeKind::NotFound ||
				    dep.planned == OutcomeKind::Failed) {
					m.planned = OutcomeKind::Failed;
					m.reason = fmt::format("dependency '{}' {}: {}", dep.name,
							       dep.planned == OutcomeKind::NotFound
								       ? "is missing"
								       : "cannot load",
							       dep.reason);
					break;
				}
			}
		}
	}

	// Kahn's algorithm, smallest discovery index first, so the order is stable and readable.
	ModuleGraph ordered()
	{
		size_t count = nodes_.size();
		std::vector<std::vector<size_t>> dependents(count);
		std::vector<size_t> indegree(count, 0);
		for (size_t i = 0; i < count; i++)
			for (const ModuleEdge &e : nodes_[i].waitsFor) {
				dependents[e.module].push_back(i);
				indegree[i]++;
			}
		std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
		for (size_t i = 0; i < count; i++)
			if (indegree[i] == 0)
				ready.push(i);
		std::vector<size_t> order;
		while (!ready.empty()) {
			size_t i = ready.top();
			ready.pop();
			order.push_back(i);
			for (size_t d : dependents[i])
				if (--indegree[d] == 0)
					ready.push(d);
		}
		// A hard cycle (depmod would have refused it) stays in discovery order; the
		// scheduler settles it as ELOOP.
		for (size_t i = 0; i < count; i++)
			if (indegree[i] != 0)
				order.push_back(i);

		std::vector<size_t> position(count);
		for (size_t k = 0; k < count; k++)
			position[order[k]] = k;
		ModuleGraph graph;
		graph.modules.reserve(count);
		for (size_t i : order) {
			PlannedModule m = std::move(nodes_[i]);
			for (ModuleEdge &e : m.waitsFor)
				e.module = position[e.module];
			graph.modules.push_back(std::move(m));
		}
		markBlockedDependents(graph);
		return graph;
	}

	ModuleIndex &index_;
	const ResolveOptions &options_;
	std::vector<PlannedModule> nodes_;
	std::map<std::string, size_t> byKey_;
	std::vector<size_t> roots_;
	std::unordered_set<size_t> isRoot_;
	std::unordered_map<std::string, Result<std::vector<std::string>>> lookups_;
	// "N\tORIGIN" and "N\nDEVPATH\nMODALIAS": the origins and devices each node has.
	std::unordered_set<std::string> seen_;
	std::set<size_t> asked_; // roots a request other than a device's named
	std::set<size_t> expanded_;
	std::map<size_t, std::vector<size_t>> hardDeps_;
	std::set<size_t> reduced_;
	std::vector<std::pair<size_t, size_t>> softEdges_; // (waiter, waited for)
};

} // namespace

ModuleGraph buildModuleGraph(ModuleIndex &index, const std::vector<Request> &requests,
			     const ResolveOptions &options)
{
	GraphBuilder builder(index, options);
	for (const Request &r : requests)
		builder.request(r);
	return builder.finish();
}

} // namespace modloadd
