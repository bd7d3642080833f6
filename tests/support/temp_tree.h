// A fixture root under a fresh mkdtemp() directory, removed when it goes out of scope.
#pragma once

#include "base/strings.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

namespace modloadd::testing {

class TempTree {
public:
	TempTree()
	{
		std::error_code ec;
		std::string tmpl =
			(std::filesystem::temp_directory_path(ec) / "modloadd-test-XXXXXX")
				.string();
		if (!::mkdtemp(tmpl.data()))
			abort(); // no temporary directory: nothing can be tested
		root_ = tmpl;
	}
	~TempTree()
	{
		std::error_code ec;
		std::filesystem::remove_all(root_, ec);
	}
	TempTree(const TempTree &) = delete;
	TempTree &operator=(const TempTree &) = delete;

	const std::string &root() const { return root_; }
	// An absolute path inside the tree: path("/etc/x") is ROOT/etc/x.
	// Joined as text: a link on the way is not followed (the daemon's rootedPath() would).
	std::string path(std::string_view p) const
	{
		std::string out = root_;
		if (p.empty() || p.front() != '/')
			out += '/';
		out += p;
		return out;
	}

	// Write `content` at `p`, creating parent directories.
	void write(std::string_view p, std::string_view content) const
	{
		std::filesystem::create_directories(std::filesystem::path(path(p)).parent_path());
		std::ofstream(path(p), std::ios::binary) << content;
	}
	// The whole file at `p` ("" when there is none).
	std::string read(std::string_view p) const
	{
		std::ifstream in(path(p), std::ios::binary);
		return std::string(std::istreambuf_iterator<char>(in), {});
	}
	void symlink(std::string_view target, std::string_view p) const
	{
		std::filesystem::create_directories(std::filesystem::path(path(p)).parent_path());
		std::filesystem::create_symlink(target, path(p));
	}
	void mkdir(std::string_view p) const { std::filesystem::create_directories(path(p)); }

private:
	std::string root_;
};

} // namespace modloadd::testing
