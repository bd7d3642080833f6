// Requests resolved once per run, against a current index.
#include "resolve/resolver.h"

#include "system/live_modules.h"

namespace modloadd {

Resolver::Resolver(ModuleIndex index, ResolveOptions options)
    : index_(std::move(index)), options_(std::move(options))
{
}

ModuleGraph Resolver::resolve(const std::vector<Request> &requests)
{
	std::vector<Request> fresh;
	for (const Request &r : requests) {
		if (seen_.insert(r.name).second)
			fresh.push_back(r);
		else
			repeated_++;
	}
	if (fresh.empty())
		return {};
	return graph(fresh);
}

ModuleGraph Resolver::graph(const std::vector<Request> &requests)
{
	options_.live = readLiveModules(index_.root());
	return buildModuleGraph(index_, requests, options_);
}

Result<bool> Resolver::refresh()
{
	if (!index_.stale())
		return false;
	Status r = reopen();
	if (!r)
		return r.error();
	return true;
}

Status Resolver::reopen()
{
	auto fresh = ModuleIndex::open(index_.root(), index_.tree());
	if (!fresh)
		return fresh.error(); // mid-rewrite, or broken: the old index answers meanwhile
	index_ = std::move(*fresh);
	reloads_++;
	// What resolved to nothing may resolve now; modules already settled stay settled in the
	// loader (one attempt per run), so forgetting the positive answers costs only a lookup.
	seen_.clear();
	return Done{};
}

} // namespace modloadd
