// The owner of a libarchive reader: archive_read_free() closes and releases it.
#pragma once

#include <archive.h>
#include <memory>

namespace modloadd {

struct ArchiveReadFree {
	void operator()(archive *a) const noexcept { archive_read_free(a); }
};
using ArchiveReader = std::unique_ptr<archive, ArchiveReadFree>;

} // namespace modloadd
