// Reading an initramfs: the newc cpio archives the kernel unpacks one after the other (the
// uncompressed early ones walked here, the compressed main one through libarchive).
#include "system/initramfs.h"

#include "base/archive_handle.h"
#include "base/rooted_path.h"
#include "base/strings.h"
#include "system/fact_files.h"

#include <archive_entry.h>
#include <cerrno>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace modloadd {

namespace {

// An image is read whole; anything this large is no initramfs.
constexpr size_t kMaxImageSize = size_t(2) << 30;

// The module whose file PATH (inside the image) is, for kernel VERSION; nullopt for another
// file.
std::optional<std::string> moduleOfPath(std::string_view path, std::string_view version)
{
	while (startsWith(path, "./") || startsWith(path, "/"))
		path.remove_prefix(startsWith(path, "./") ? 2 : 1);
	if (startsWith(path, "usr/"))
		path.remove_prefix(4);
	std::string prefix = fmt::format("lib/modules/{}/", version);
	if (!startsWith(path, prefix))
		return std::nullopt;
	std::string_view file = path.substr(path.rfind('/') + 1);
	auto ko = file.find(".ko");
	if (ko == std::string_view::npos || ko == 0)
		return std::nullopt;
	std::string_view ext = file.substr(ko);
	if (ext != ".ko" && ext != ".ko.gz" && ext != ".ko.xz" && ext != ".ko.zst")
		return std::nullopt;
	return normalizeModuleName(file.substr(0, ko));
}

std::string shownPath(std::string_view path)
{
	while (startsWith(path, "./"))
		path.remove_prefix(2);
	return startsWith(path, "/") ? std::string(path) : "/" + std::string(path);
}

std::optional<uint64_t> hexField(std::string_view data, size_t at)
{
	if (at + 8 > data.size())
		return std::nullopt;
	uint64_t v = 0;
	for (char c : data.substr(at, 8)) {
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return std::nullopt;
		v = v * 16 + static_cast<uint64_t>(d);
	}
	return v;
}

constexpr size_t align4(size_t n)
{
	return (n + 3) & ~size_t(3);
}

// Walks the uncompressed newc archives from POS on (the zero padding between them skipped, as
// the kernel does), showing VISIT the modules; POS ends where the next, compressed, data
// begins. Returns -EINVAL for a cut or damaged archive, 1 when VISIT stopped the walk.
int walkUncompressed(std::string_view data, size_t &pos, std::string_view version,
		     const InitramfsVisitor &visit)
{
	for (;;) {
		while (pos < data.size() && data[pos] == '\0')
			pos++;
		if (data.substr(pos, 6) != "070701" && data.substr(pos, 6) != "070702")
			return 0;
		// One archive, up to its trailer.
		for (;;) {
			auto size = hexField(data, pos + 54);
			auto namesize = hexField(data, pos + 94);
			if (!size || !namesize || *namesize == 0 ||
			    pos + 110 + *namesize > data.size())
				return -EINVAL;
			std::string_view entry = data.substr(pos + 110, *namesize - 1);
			size_t body = align4(pos + 110 + *namesize);
			if (body + *size > data.size())
				return -EINVAL;
			pos = align4(body + *size);
			if (entry == "TRAILER!!!")
				break;
			auto name = moduleOfPath(entry, version);
			if (name &&
			    !visit(*name, InitramfsModule{shownPath(entry),
							  std::string(data.substr(body, *size))}))
				return 1;
		}
	}
}

// The compressed archive from POS on, through libarchive.
int walkCompressed(std::string_view data, std::string_view version, const InitramfsVisitor &visit)
{
	ArchiveReader a(archive_read_new());
	if (!a)
		return -ENOMEM;
	archive_read_support_filter_all(a.get());
	archive_read_support_format_cpio(a.get());
	if (archive_read_open_memory(a.get(), data.data(), data.size()) != ARCHIVE_OK)
		return -EINVAL;
	archive_entry *entry;
	int r;
	while ((r = archive_read_next_header(a.get(), &entry)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *path = archive_entry_pathname(entry);
		std::optional<std::string> name;
		if (path)
			name = moduleOfPath(path, version);
		if (!name || archive_entry_filetype(entry) != AE_IFREG)
			continue;
		std::string content;
		char buf[65536];
		la_ssize_t n;
		while ((n = archive_read_data(a.get(), buf, sizeof buf)) > 0)
			content.append(buf, static_cast<size_t>(n));
		if (n < 0)
			return -EIO;
		if (!visit(*name, InitramfsModule{shownPath(path), std::move(content)}))
			return 1;
	}
	return r == ARCHIVE_EOF ? 0 : -EIO;
}

} // namespace

std::optional<std::string> findInitramfs(std::string_view root, std::string_view version)
{
	for (const std::string &p : {fmt::format("/boot/initrd.img-{}", version),
				     fmt::format("/boot/initramfs-{}.img", version),
				     fmt::format("/boot/initrd-{}", version)})
		if (pathExists(rootedPath(root, p)))
			return p;
	return std::nullopt;
}

Status forEachInitramfsModule(const std::string &image, std::string_view version,
			      const InitramfsVisitor &visit)
{
	std::error_code ec;
	auto size = std::filesystem::file_size(image, ec);
	if (ec)
		return Error{-ec.value(), fmt::format("cannot read {}: {}", image, ec.message())};
	if (size > kMaxImageSize)
		return Error{-EFBIG, fmt::format("{} is too large for an initramfs", image)};
	std::ifstream in(image, std::ios::binary);
	if (!in)
		return Error{-EIO, fmt::format("cannot open {}", image)};
	std::ostringstream whole;
	whole << in.rdbuf();
	std::string data = std::move(whole).str();
	size_t pos = 0;
	int r = walkUncompressed(data, pos, version, visit);
	if (r < 0)
		return Error{r, fmt::format("{}: a damaged cpio archive at byte {}", image, pos)};
	if (r == 0 && pos < data.size()) {
		std::string_view rest = std::string_view(data).substr(pos);
		if (r = walkCompressed(rest, version, visit); r < 0)
			return Error{r, fmt::format("{}: cannot read the archive at byte {}", image,
						    pos)};
	}
	return Done{};
}

Result<std::optional<InitramfsModule>>
findInitramfsModule(const std::string &image, std::string_view version, const std::string &name)
{
	std::optional<InitramfsModule> found;
	auto walked = forEachInitramfsModule(image, version,
					     [&](const std::string &module, InitramfsModule m) {
						     if (module != name)
							     return true;
						     found = std::move(m);
						     return false;
					     });
	if (!walked)
		return walked.error();
	return found;
}

} // namespace modloadd
