// What the daemon and its insert helper (modloadd-insert) say to each other over a
// SOCK_SEQPACKET socket: one packet per request, one per answer.
#pragma once

#include "load/backend.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace modloadd {

// The descriptor the helper finds its socket on.
inline constexpr int kInsertHelperFd = 3;
// The largest request: a path and options fit easily; a larger one is refused before sending.
inline constexpr size_t kInsertRequestMax = 64 * 1024;

// One request: the job, and where the helper remembers the kernel's refusal of it for good
// (load/refusals.h; empty: nowhere). The helper writes that record itself, before it answers:
// a daemon killed while the module's init runs, or before it reads the answer, would otherwise
// lose it and try the module again after its restart.
struct InsertRequest {
	LoadJob job;
	std::string refusals;
};

// "NAME\0PATH\0OPTIONS\0INSTALL-COMMAND\0REFUSALS\0": the request, field by field.
std::string encodeInsertRequest(const InsertRequest &request);
std::optional<InsertRequest> decodeInsertRequest(std::string_view packet);

// The answer: 0 or -errno, as BackendWorker::insert, in host order (both ends are one machine).
using InsertAnswer = int32_t;

} // namespace modloadd
