// The kernel command line's say in module loading: modules_load= and the blacklist.
#include "config/kernel_cmdline.h"

#include <algorithm>
#include <fmt/format.h>
#include <sys/stat.h>

#include "base/rooted_path.h"
#include "base/strings.h"
#include "config/conf_files.h"
#include "config/modules_load_d.h"

namespace modloadd {

namespace {

constexpr std::string_view kDiagnosticFile = "kernel command line";

// Words of the command line. Like systemd's proc_cmdline (extract_first_word with
// EXTRACT_UNQUOTE) every double quote toggles grouping and is dropped, so `"a=b c"` and
// `a="b c"` both give the word `a=b c`. The kernel's next_arg() only strips a leading and a
// trailing quote, but no sane command line tells the two apart.
std::vector<std::string> splitWords(std::string_view cmdline)
{
	std::vector<std::string> words;
	std::string word;
	bool inWord = false;
	bool inQuote = false;
	for (char c : cmdline) {
		if (c == '"') {
			inQuote = !inQuote;
			inWord = true;
			continue;
		}
		if (!inQuote && kWhitespace.find(c) != std::string_view::npos) {
			if (inWord)
				words.push_back(std::move(word));
			word.clear();
			inWord = false;
			continue;
		}
		word += c;
		inWord = true;
	}
	if (inWord)
		words.push_back(std::move(word));
	return words;
}

// The names in a comma list, each checked; bad ones become diagnostics naming `key`.
std::vector<std::string> namesIn(std::string_view key, std::string_view value, Diagnostics &diags)
{
	std::vector<std::string> names;
	for (std::string &name : split(value, ',')) {
		if (auto why = checkModuleName(name)) {
			diags.push_back({std::string(kDiagnosticFile), 0,
					 fmt::format("'{}' in {}= {}, ignoring",
						     quoteForDiagnostic(name), key, *why)});
			continue;
		}
		names.push_back(std::move(name));
	}
	return names;
}

} // namespace

KernelCmdline parseKernelCmdline(std::string_view cmdline, bool inInitrd, Diagnostics &diags)
{
	KernelCmdline result;

	for (const std::string &word : splitWords(cmdline)) {
		// The kernel passes everything after "--" to init (parse_args() stops there).
		if (word == "--")
			break;

		size_t eq = word.find('=');
		std::string_view key = std::string_view(word).substr(0, eq);
		// proc_cmdline_key_streq(): '-' and '_' are the same in keys.
		std::string normalizedKey = normalizeModuleName(key);

		// systemd-modules-load parses with PROC_CMDLINE_STRIP_RD_PREFIX: in the initrd
		// "rd.X" counts as X; outside it, rd. keys belong to the initrd only.
		bool rd = startsWith(normalizedKey, "rd.");
		std::string_view bareKey = std::string_view(normalizedKey).substr(rd ? 3 : 0);

		bool isModulesLoad = bareKey == "modules_load";
		bool isBlacklist = !rd && (normalizedKey == "modprobe.blacklist" ||
					   normalizedKey == "module_blacklist");
		if (!isModulesLoad && !isBlacklist)
			continue;
		if (rd && !inInitrd)
			continue;

		if (eq == std::string::npos) {
			diags.push_back(
				{std::string(kDiagnosticFile), 0,
				 fmt::format("Missing argument for {}= switch, ignoring", key)});
			continue;
		}
		std::string_view value = std::string_view(word).substr(eq + 1);

		if (isModulesLoad) {
			std::string origin =
				rd ? "kernel-cmdline (rd.modules_load)" : "kernel-cmdline";
			for (std::string &name : namesIn(key, value, diags))
				result.modulesLoad.push_back({std::move(name), origin});
		} else {
			// Blacklisting is about module names, which kmod compares normalized;
			// the list is a set, so a name given twice is kept once.
			auto addOnce = [](std::vector<std::string> &list, const std::string &n) {
				if (std::find(list.begin(), list.end(), n) == list.end())
					list.push_back(n);
			};
			for (const std::string &name : namesIn(key, value, diags)) {
				std::string normalized = normalizeModuleName(name);
				addOnce(result.blacklist, normalized);
				if (normalizedKey == "module_blacklist")
					addOnce(result.forbidden, normalized);
			}
		}
	}
	return result;
}

std::optional<std::string> readKernelCmdline(std::string_view root)
{
	std::string text;
	if (readConfFileText(rootedPath(root, "/proc/cmdline"), text) < 0)
		return std::nullopt;
	return text;
}

bool inInitrd(std::string_view root)
{
	// Its existence is what counts, as in systemd's in_initrd(). In an image under --root it is
	// often an absolute link into the image's /usr/lib: rootedPath() follows it there.
	struct stat st;
	return ::stat(rootedPath(root, "/etc/initrd-release").c_str(), &st) == 0;
}

} // namespace modloadd
