// depmod.d(5) read the way depmod reads it, to explain which copy of a module won.
#include "resolve/depmod_config.h"

#include "base/posix_regex.h"
#include "base/strings.h"
#include "config/conf_files.h"

#include <fmt/format.h>

namespace modloadd {

namespace {

// depmod.d(5): a version field is "*" (any kernel) or an extended regular expression that must
// match somewhere in the version.
bool versionMatches(const std::string &pattern, const std::string &version)
{
	if (pattern == "*")
		return true;
	return PosixRegex(pattern).search(version);
}

std::vector<std::string> words(std::string_view line)
{
	std::vector<std::string> out;
	size_t i = 0;
	while (i < line.size()) {
		while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
			i++;
		size_t start = i;
		while (i < line.size() && line[i] != ' ' && line[i] != '\t')
			i++;
		if (i > start)
			out.emplace_back(line.substr(start, i - start));
	}
	return out;
}

} // namespace

void applyDepmodConfigText(DepmodConfig &config, std::string_view text,
			   const std::string &displayPath, const std::string &version,
			   Diagnostics &diags)
{
	unsigned number = 0;
	size_t pos = 0;
	while (pos < text.size()) {
		// A line ending in a backslash goes on with the next; it counts from its first.
		std::string line;
		unsigned first = number + 1;
		while (pos < text.size()) {
			size_t end = text.find('\n', pos);
			std::string_view part = text.substr(pos, end == std::string_view::npos
									 ? std::string_view::npos
									 : end - pos);
			pos = end == std::string_view::npos ? text.size() : end + 1;
			number++;
			if (!part.empty() && part.back() == '\\') {
				line.append(part.substr(0, part.size() - 1));
				continue;
			}
			line.append(part);
			break;
		}
		if (line.empty() || line[0] == '#')
			continue;
		std::vector<std::string> w = words(line);
		if (w.empty())
			continue;
		std::string where = fmt::format("{}:{}", displayPath, first);
		const std::string &cmd = w[0];
		if (cmd == "search") {
			if (w.size() > 1)
				config.defaultSearch = false;
			for (size_t i = 1; i < w.size(); i++) {
				DepmodSearch s{DepmodSearch::Kind::Subdir, w[i], where};
				if (w[i] == "built-in")
					s = {DepmodSearch::Kind::BuiltIn, "", where};
				else if (w[i] == "external")
					s = {DepmodSearch::Kind::External, "", where};
				config.searches.push_back(std::move(s));
			}
		} else if (cmd == "override" && w.size() >= 4) {
			if (versionMatches(w[2], version))
				config.overrides.push_back({w[1], w[3], where});
		} else if (cmd == "external" && w.size() >= 3) {
			if (versionMatches(w[1], version))
				config.externals.push_back({w[2], where});
		} else if (cmd == "exclude") {
			for (size_t i = 1; i < w.size(); i++)
				config.excludes.push_back({w[i], where});
		} else if (cmd == "include" || cmd == "make_map_files") {
			// Known to depmod, and without effect there either.
		} else {
			diags.push_back(
				{displayPath, first,
				 fmt::format("Bad depmod.d line starting with '{}', ignoring",
					     quoteForDiagnostic(cmd))});
		}
	}
}

DepmodConfig readDepmodConfig(std::string_view root, const std::string &version, Diagnostics &diags)
{
	DepmodConfig config;
	// listConfFiles() has depmod's rules for these directories: one name read once, from the
	// first directory that has it, all files in the order of their names. It masks a name by
	// an empty file or a link to /dev/null, which depmod reads as a file with no lines.
	for (const ConfFile &file : listConfFiles(root, "depmod.d", ".conf", diags)) {
		std::string text;
		if (int r = readConfFileText(file.path, text); r < 0) {
			diags.push_back(readFailure(file.displayPath, r));
			continue;
		}
		config.files.push_back(file.displayPath);
		applyDepmodConfigText(config, text, file.displayPath, version, diags);
	}
	if (config.defaultSearch)
		config.searches = {{DepmodSearch::Kind::Subdir, "updates", ""}};
	return config;
}

std::string describeSearch(const DepmodSearch &search)
{
	std::string what;
	switch (search.kind) {
	case DepmodSearch::Kind::Subdir:
		what = fmt::format("search {}/", search.subdir);
		break;
	case DepmodSearch::Kind::BuiltIn:
		what = "search built-in";
		break;
	case DepmodSearch::Kind::External:
		what = "search external";
		break;
	}
	if (search.where.empty())
		return what + " (depmod's default: no search line)";
	return fmt::format("{} ({})", what, search.where);
}

} // namespace modloadd
