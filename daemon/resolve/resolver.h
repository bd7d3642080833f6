// One run's resolution: requests arrive over time (static lists, devices, rules, reloads); each
// is resolved once per run, against an index opened again when depmod rewrites it.
#pragma once

#include "base/request.h"
#include "base/result.h"
#include "resolve/module_graph.h"
#include "resolve/module_index.h"

#include <unordered_set>
#include <vector>

namespace modloadd {

// Main thread only: the index is libkmod's, which is not thread-safe.
class Resolver {
public:
	// `options` holds what the whole run resolves with (blacklists, install commands); the
	// live set is read again for every batch.
	Resolver(ModuleIndex index, ResolveOptions options);

	// The graph of the requests (name, alias or modalias) this run has not resolved yet;
	// empty when none is new. A request that resolved to nothing is not resolved again until
	// the index is opened again.
	ModuleGraph resolve(const std::vector<Request> &requests);
	// The graph of every one of the requests, remembering none: for a plan, which shows every
	// origin of a module.
	ModuleGraph graph(const std::vector<Request> &requests);

	// Opens the index again when depmod rewrote it since: true when it did, false when the
	// index is current; an Error when it could not (the old index stays, and answers).
	Result<bool> refresh();
	// Opens the index again even when depmod did not rewrite it: modprobe.d (options,
	// blacklists, softdeps, install commands) is read anew, and every request is resolved
	// again when it comes again. On failure the old index stays.
	Status reopen();

	// [Devices] DenyModules= for the requests resolved from now on (a reload changed it).
	void setDenyForDevices(std::vector<DenyGlob> deny)
	{
		options_.denyForDevices = std::move(deny);
	}

	ModuleIndex &index() { return index_; }
	// Requests answered as already resolved instead of being resolved again.
	size_t repeatedRequests() const { return repeated_; }
	size_t indexReloads() const { return reloads_; }

private:
	ModuleIndex index_;
	ResolveOptions options_;
	std::unordered_set<std::string> seen_; // requests resolved since the index was opened
	size_t repeated_ = 0;
	size_t reloads_ = 0;
};

} // namespace modloadd
