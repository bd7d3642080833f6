// depmod.d(5): what decides which copy of a module depmod writes into modules.dep.
#pragma once

#include "base/request.h"

#include <string>
#include <string_view>
#include <vector>

namespace modloadd {

// One word of a `search` line: a subdirectory of the kernel's module directory, the kernel's
// own tree (`built-in`) or the `external` directories.
struct DepmodSearch {
	enum class Kind { Subdir, BuiltIn, External };
	Kind kind = Kind::Subdir;
	std::string subdir; // Kind::Subdir: relative to /lib/modules/VERSION
	std::string where;  // "FILE:LINE", or empty for depmod's default
};

// `override MODULE VERSION SUBDIR`: that module from SUBDIR, whatever the search order says.
struct DepmodOverride {
	std::string module; // as written: the file's name without its extension
	std::string subdir;
	std::string where;
};

// `external VERSION DIR`: a directory outside the module directory depmod also walks.
struct DepmodExternal {
	std::string dir; // as written
	std::string where;
};

// `exclude DIR...`: directory names depmod does not enter.
struct DepmodExclude {
	std::string name;
	std::string where;
};

struct DepmodConfig {
	// In the order written: the first word is the highest priority. Without any `search`
	// line depmod searches `updates` only, before everything else (defaultSearch).
	std::vector<DepmodSearch> searches;
	bool defaultSearch = true;
	std::vector<DepmodOverride> overrides; // in the order read; the last that matches counts
	std::vector<DepmodExternal> externals; // in the order written: the first is preferred
	std::vector<DepmodExclude> excludes;
	std::vector<std::string> files; // the files read, as the target system names them
};

// Applies one depmod.d file's TEXT (named DISPLAYPATH) for kernel VERSION: `override` and
// `external` lines whose version pattern ("*" or an extended regular expression) does not
// match VERSION are skipped; a bad line is a diagnostic.
void applyDepmodConfigText(DepmodConfig &config, std::string_view text,
			   const std::string &displayPath, const std::string &version,
			   Diagnostics &diags);

// Every depmod.d file under ROOT as depmod reads them: *.conf of /etc/depmod.d, /run/depmod.d,
// /usr/local/lib/depmod.d and /lib/depmod.d (/usr/lib/depmod.d too), one name read once, from
// the first directory that has it, all in the order of their names. Then the default search
// order if no file gave one.
DepmodConfig readDepmodConfig(std::string_view root, const std::string &version,
			      Diagnostics &diags);

// "search updates (/etc/depmod.d/a.conf:2)", "the built-in tree", ... for a person.
std::string describeSearch(const DepmodSearch &search);

} // namespace modloadd
