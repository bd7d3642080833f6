// `modloadctl explain`: everything that decides how one name, alias, modalias or device loads.
#pragma once

#include "base/request.h"
#include "base/result.h"
#include "config/settings.h"
#include "resolve/initramfs_copy.h"
#include "resolve/module_copies.h"
#include "resolve/module_index.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace modloadd {

struct FirmwareFile {
	std::string name;		 // as the module declares it (modinfo -F firmware)
	std::optional<std::string> path; // where the firmware loader finds it; nullopt: nowhere
};

struct ModuleExplanation {
	ModuleInfo info; // the index's answer: path, deps, softdeps, options, blacklist
	// The patterns that matched the query: the module's own aliases (modules.alias), and
	// modprobe.d alias lines as "modprobe.d: alias PATTERN".
	std::vector<std::string> matchedAliases;
	std::vector<Candidate> candidates;     // every copy in the tree, the chosen one first
	std::optional<std::string> srcversion; // the file's (or modules.builtin.modinfo's)
	bool live = false;
	std::optional<std::string> liveSrcversion; // /sys/module/NAME/srcversion
	std::optional<bool> liveMatchesFile;	   // nullopt unless live with both known
	std::optional<std::string> liveTaint;	   // /sys/module/NAME/taint
	bool inTree = false;			   // modinfo intree=Y
	bool isSigned = false;			   // modinfo has a signer
	std::vector<FirmwareFile> firmware;
	std::optional<InitramfsCopy> initramfs; // nullopt: no initramfs image for the kernel
	// The [Devices] DenyModules= glob that keeps devices from loading it; nullopt: none does.
	std::optional<DenyGlob> deniedForDevices;
};

enum class QueryKind { Name, Alias, Modalias, Devpath };

struct Explanation {
	std::string query;
	QueryKind kind = QueryKind::Name;
	std::string lookedUp; // the query, or the device's modalias
	std::string kernel;
	DepmodConfig depmod;
	Diagnostics diagnostics; // depmod.d's bad lines
	std::vector<ModuleExplanation> modules;
};

// The firmware files MODULE declares (modinfo -F firmware), each looked up under the index's
// root for its kernel.
std::vector<FirmwareFile> moduleFirmware(ModuleIndex &index, const std::string &module);

// Explains QUERY (a module name, an alias, a modalias, or a device path starting with '/')
// over INDEX's root and tree, with DENY, the [Devices] DenyModules= globs in force. An Error when
// a device has no modalias or the lookup failed; no modules when nothing matches.
Result<Explanation> explainQuery(ModuleIndex &index, std::string_view query,
				 const std::vector<DenyGlob> &deny);

} // namespace modloadd
