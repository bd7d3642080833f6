// Resolving a machine's paths under its root, component by component.
#include "base/rooted_path.h"

#include <climits>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace modloadd {

namespace {

// As many links as the kernel follows before it says ELOOP.
constexpr int kMaxLinks = 40;

// Where a path goes whose links cannot be followed inside the root (a loop, an unreadable
// link): nothing is there, or below it, on any host (a character device is no directory), and
// the host never follows the link itself, which could lead out of the root.
constexpr const char *kNowhere = "/dev/null/unresolvable";

std::string_view trimRoot(std::string_view root)
{
	while (!root.empty() && root.back() == '/')
		root.remove_suffix(1);
	return root;
}

// The components of PATH, last first (a stack: the next one to take is at the back).
void pushComponents(std::string_view path, std::vector<std::string> &stack)
{
	std::vector<std::string> parts;
	while (!path.empty()) {
		size_t slash = path.find('/');
		std::string_view part = path.substr(0, slash);
		if (!part.empty() && part != ".")
			parts.emplace_back(part);
		if (slash == std::string_view::npos)
			break;
		path.remove_prefix(slash + 1);
	}
	for (auto it = parts.rbegin(); it != parts.rend(); ++it)
		stack.push_back(std::move(*it));
}

void dropLast(std::string &resolved)
{
	size_t slash = resolved.rfind('/');
	resolved.resize(slash == std::string::npos ? 0 : slash);
}

} // namespace

std::string rootedPath(std::string_view root, std::string_view path)
{
	root = trimRoot(root);
	if (root.empty())
		return path.empty() || path.front() != '/' ? "/" + std::string(path)
							   : std::string(path);

	std::vector<std::string> todo;
	pushComponents(path, todo);
	std::string resolved; // below ROOT: "" or "/a/b"
	bool followed = true; // still on existing components
	int links = 0;
	std::string host(root);
	while (!todo.empty()) {
		std::string part = std::move(todo.back());
		todo.pop_back();
		if (part == "..") {
			dropLast(resolved); // at ROOT, ".." is ROOT
			continue;
		}
		std::string next = resolved + "/" + part;
		if (followed) {
			host.assign(root).append(next);
			struct stat st;
			if (::lstat(host.c_str(), &st) < 0) {
				followed = false;
			} else if (S_ISLNK(st.st_mode)) {
				char target[PATH_MAX];
				ssize_t n = ::readlink(host.c_str(), target, sizeof target);
				if (++links > kMaxLinks || n <= 0 ||
				    static_cast<size_t>(n) >= sizeof target)
					return kNowhere;
				std::string_view t(target, static_cast<size_t>(n));
				if (t.front() == '/')
					resolved.clear();
				pushComponents(t, todo);
				continue;
			}
		}
		resolved = std::move(next);
	}
	// A directory asked for with its slash keeps it ("/etc/" + NAME).
	if (!resolved.empty() && path.back() == '/')
		resolved += '/';
	return std::string(root) + (resolved.empty() ? "/" : resolved);
}

bool isHostRoot(std::string_view root)
{
	return trimRoot(root).empty();
}

std::string confinedPath(std::string_view root, std::string_view hostPath)
{
	if (isHostRoot(root))
		return std::string(hostPath);
	return rootedPath(root, pathInRoot(root, hostPath));
}

std::string pathInRoot(std::string_view root, std::string_view hostPath)
{
	root = trimRoot(root);
	if (root.empty() || hostPath.substr(0, root.size()) != root)
		return std::string(hostPath);
	std::string_view rest = hostPath.substr(root.size());
	if (rest.empty())
		return "/";
	if (rest.front() != '/')
		return std::string(hostPath); // "/tmp/rx" is not below "/tmp/r"
	return std::string(rest);
}

} // namespace modloadd
