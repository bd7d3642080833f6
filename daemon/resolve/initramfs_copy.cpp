// The initramfs's copy of a module judged against the disk's: libkmod reads its srcversion from
// a temporary file, as it reads any module file.
#include "resolve/initramfs_copy.h"

#include "base/handles.h"
#include "base/rooted_path.h"
#include "base/strings.h"
#include "system/initramfs.h"

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace modloadd {

namespace {

// A file of its own under the temporary directory, removed when it goes.
class TempFile {
public:
	// Named ...SUFFIX (".ko.zst"), so that libkmod knows how to read it.
	explicit TempFile(const std::string &suffix)
	{
		std::error_code ec;
		std::string dir = std::filesystem::temp_directory_path(ec).string();
		path_ = (ec ? std::string("/tmp") : dir) + "/modloadd-initramfs-XXXXXX" + suffix;
		fd_ = UniqueFd(mkstemps(path_.data(), static_cast<int>(suffix.size())));
		if (!fd_.valid())
			path_.clear();
	}
	TempFile(const TempFile &) = delete;
	TempFile &operator=(const TempFile &) = delete;
	~TempFile()
	{
		if (!path_.empty())
			unlink(path_.c_str());
	}

	bool write(std::string_view data)
	{
		while (fd_.valid() && !data.empty()) {
			ssize_t n = ::write(fd_.get(), data.data(), data.size());
			if (n <= 0)
				return false;
			data.remove_prefix(static_cast<size_t>(n));
		}
		return fd_.valid();
	}
	const std::string &path() const { return path_; }

private:
	std::string path_;
	UniqueFd fd_;
};

// The srcversion in the module file at PATH, as modinfo reads it.
std::optional<std::string> srcversionAt(kmod_ctx *ctx, const std::string &path)
{
	kmod_module *raw = nullptr;
	if (kmod_module_new_from_path(ctx, path.c_str(), &raw) < 0)
		return std::nullopt;
	KmodModule mod(raw);
	kmod_list *list = nullptr;
	if (kmod_module_get_info(mod.get(), &list) < 0)
		return std::nullopt;
	KmodInfoList info(list);
	kmod_list *l;
	kmod_list_foreach(l, info.get())
	{
		if (std::string_view(kmod_module_info_get_key(l)) == "srcversion")
			if (const char *v = kmod_module_info_get_value(l))
				return std::string(v);
	}
	return std::nullopt;
}

// The srcversion of a module file's bytes CONTENT, stored under a name ending in SUFFIX.
std::optional<std::string> srcversionOf(kmod_ctx *ctx, std::string_view content,
					const std::string &suffix)
{
	TempFile file(suffix);
	if (!file.write(content))
		return std::nullopt;
	return srcversionAt(ctx, file.path());
}

std::optional<std::string> readWhole(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	if (!in)
		return std::nullopt;
	std::ostringstream out;
	out << in.rdbuf();
	return std::move(out).str();
}

// COPY's srcversion read from M, and compared with MODULE's file on disk.
void judge(ModuleIndex &index, const ModuleInfo &module,
	   const std::optional<std::string> &diskSrcversion, const InitramfsModule &m,
	   InitramfsCopy &copy)
{
	copy.path = m.path;
	std::string file = m.path.substr(m.path.rfind('/') + 1);
	copy.srcversion = srcversionOf(index.context(), m.content, file.substr(file.find(".ko")));
	if (module.builtin || module.path.empty())
		return;
	if (copy.srcversion && diskSrcversion)
		copy.matchesDisk = *copy.srcversion == *diskSrcversion;
	else if (auto disk = readWhole(module.path))
		copy.matchesDisk = *disk == m.content;
}

} // namespace

std::optional<std::string> fileSrcversion(ModuleIndex &index, const std::string &path)
{
	return srcversionAt(index.context(), path);
}

std::optional<InitramfsCopy> examineInitramfs(ModuleIndex &index, const ModuleInfo &module,
					      const std::optional<std::string> &diskSrcversion)
{
	const std::string &version = index.tree().version;
	auto image = findInitramfs(index.root(), version);
	if (!image)
		return std::nullopt;
	InitramfsCopy copy;
	copy.image = *image;
	auto found = findInitramfsModule(rootedPath(index.root(), *image), version, module.name);
	if (!found)
		copy.problem = found.error().message;
	else if (*found)
		judge(index, module, diskSrcversion, **found, copy);
	return copy;
}

std::optional<InitramfsImage> examineInitramfsImage(ModuleIndex &index)
{
	const std::string &version = index.tree().version;
	auto image = findInitramfs(index.root(), version);
	if (!image)
		return std::nullopt;
	InitramfsImage out;
	out.image = *image;
	auto walked = forEachInitramfsModule(
		rootedPath(index.root(), *image), version,
		[&](const std::string &name, InitramfsModule m) {
			InitramfsEntry e{name, InitramfsCopy{*image, {}, {}, {}, {}}, false};
			const ModuleInfo *info = index.info(name);
			if (info && (info->builtin || !info->fileMissing)) {
				e.onDisk = true;
				std::optional<std::string> disk;
				if (!info->builtin)
					disk = fileSrcversion(index, info->path);
				judge(index, *info, disk, m, e.copy);
			} else {
				e.copy.path = m.path;
			}
			out.entries.push_back(std::move(e));
			return true;
		});
	if (!walked)
		out.problem = walked.error().message;
	return out;
}

} // namespace modloadd
