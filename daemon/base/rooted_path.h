// Paths of a machine kept under a root directory (--root IMAGE): resolved as that machine would
// resolve them, never into the host.
#pragma once

#include <string>
#include <string_view>

namespace modloadd {

// PATH, absolute as the machine at ROOT sees it, as a path on this host: ROOT + PATH with every
// symbolic link along it followed inside ROOT. A link's absolute target starts again at ROOT and
// ".." never climbs above it, as if ROOT were "/" (systemctl --root resolves so too). Once a
// component does not exist the rest is appended as it is ("." and ".." still taken lexically).
// A loop (more than 40 links) or an unreadable link gives a path under /dev/null, where nothing
// is. ROOT "" or "/" is the host: PATH itself.
// ("/" + "/etc" = "/etc"; "/tmp/r" + "/etc" = "/tmp/r/etc" when etc is a directory; with
// /tmp/r/etc a link to "/usr/etc", "/tmp/r/usr/etc".)
std::string rootedPath(std::string_view root, std::string_view path);

// Whether ROOT is the host itself ("" or "/").
bool isHostRoot(std::string_view root);

// HOSTPATH, a path into ROOT that something other than rootedPath() made (libkmod's module
// paths: the tree's directory and a modules.dep line, or an absolute line alone), resolved again
// inside ROOT. On the host, HOSTPATH itself.
std::string confinedPath(std::string_view root, std::string_view hostPath);

// The path below ROOT that HOSTPATH names, when it is ROOT or below it ("/tmp/r/etc" in
// "/tmp/r" is "/etc"); HOSTPATH itself otherwise (it is taken as the machine's path already).
std::string pathInRoot(std::string_view root, std::string_view hostPath);

} // namespace modloadd
