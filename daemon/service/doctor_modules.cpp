// The module tree's checks of `modloadctl doctor`: the index against the files (depmod-stale),
// the copies of one module (shadowed-copy), the running copies against the files
// (live-differs), the initramfs's copies against the disk's (initramfs-differs), and the
// firmware the modules that load declare (firmware-missing).
#include "service/doctor.h"

#include "base/strings.h"
#include "resolve/depmod_audit.h"
#include "resolve/initramfs_copy.h"
#include "resolve/module_explain.h"
#include "system/module_facts.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <set>

namespace modloadd {

namespace {

// A list of at most a few items, then how many more.
std::string few(const std::vector<std::string> &items, size_t most = 4)
{
	if (items.size() <= most)
		return fmt::format("{}", fmt::join(items, ", "));
	std::vector<std::string> head(items.begin(), items.begin() + static_cast<long>(most));
	return fmt::format("{} and {} more", fmt::join(head, ", "), items.size() - most);
}

std::string rebuildInitramfs(const std::string &version)
{
	return fmt::format("update-initramfs -u -k {0} (or dracut -f --kver {0})", version);
}

void depmodFindings(const DepmodAudit &audit, const KernelTree &tree, std::vector<Finding> &out)
{
	std::string fix = depmodCommand(tree);
	if (audit.noIndex) {
		out.push_back({"depmod-stale", "", Severity::Error,
			       fmt::format("{} has no modules.dep: depmod never ran for kernel {}, "
					   "and nothing can be loaded by name, alias or device",
					   tree.displayDir, tree.version),
			       fix});
		return;
	}
	for (const StaleFile &f : audit.files) {
		std::string what;
		Severity severity = Severity::Warning;
		switch (f.kind) {
		case StaleFile::Kind::Gone:
			what = fmt::format("modules.dep lists {}, which is gone: loading it (or "
					   "anything needing it) fails",
					   f.path);
			severity = Severity::Error;
			break;
		case StaleFile::Kind::Newer:
			what = fmt::format("{} changed after depmod ran: its dependencies and "
					   "aliases may not be what modules.dep says",
					   f.path);
			break;
		case StaleFile::Kind::NotIndexed:
			what = fmt::format("{} is not in modules.dep: it cannot be loaded by name, "
					   "alias or device until depmod runs",
					   f.path);
			break;
		}
		out.push_back({"depmod-stale", f.module, severity, what, fix});
	}
}

void shadowFindings(ModuleIndex &index, const DepmodConfig &config,
		    const std::map<std::string, std::vector<ModuleCopy>> &copies,
		    std::vector<Finding> &out)
{
	const KernelTree &tree = index.tree();
	for (const auto &[name, list] : copies) {
		const ModuleInfo *info = index.info(name);
		if (!info || (list.size() < 2 && !info->builtin))
			continue;
		std::vector<Candidate> judged =
			judgeCopies(list, info->builtin ? "" : info->displayPath, tree, config);
		std::vector<std::string> lines, losers;
		bool doubtful = false;
		for (const Candidate &c : judged) {
			lines.push_back(
				fmt::format("{}{}: {}", c.path, c.chosen ? " (loads)" : "", c.why));
			if (!c.chosen)
				losers.push_back(c.path);
			doubtful = doubtful || c.doubtful;
		}
		std::string fix;
		if (info->builtin)
			fix = fmt::format("rm {}; the kernel's own is used",
					  fmt::join(losers, " "));
		else if (doubtful)
			fix = fmt::format(
				"make the choice certain: an 'override {} {} DIR' line in "
				"/etc/depmod.d/{}.conf (DIR: updates, extra, ...), or "
				"remove the copies not meant to load; then {}",
				name, tree.version, name, depmodCommand(tree));
		else
			fix = fmt::format("nothing, if {} is meant to load; otherwise remove it or "
					  "add an override in /etc/depmod.d, then {}",
					  info->displayPath, depmodCommand(tree));
		out.push_back({"shadowed-copy", name, doubtful ? Severity::Warning : Severity::Info,
			       fmt::format("{} copies of {} in the tree: {}", judged.size(), name,
					   fmt::join(lines, "; ")),
			       fix});
	}
}

void liveFindings(ModuleIndex &index, const std::set<std::string> &live, std::vector<Finding> &out)
{
	const std::string &version = index.tree().version;
	for (const std::string &name : live) {
		const ModuleInfo *info = index.info(name);
		if (!info || info->builtin || info->fileMissing)
			continue;
		auto running = readModuleAttribute(index.root(), name, "srcversion");
		auto file = fileSrcversion(index, info->path);
		if (!running || !file || *running == *file)
			continue;
		out.push_back(
			{"live-differs", name, Severity::Warning,
			 fmt::format("the running copy (srcversion {}) is another build than {} "
				     "(srcversion {}): the file changed after the module was "
				     "loaded, or it was loaded from an initramfs that holds "
				     "another copy; the next load takes the file's",
				     *running, info->displayPath, *file),
			 fmt::format(
				 "reload it (modprobe -r {0} && modprobe {0}) or reboot; if the "
				 "initramfs holds the old copy, first {1}",
				 name, rebuildInitramfs(version))});
	}
}

void initramfsFindings(ModuleIndex &index, std::vector<Finding> &out)
{
	auto image = examineInitramfsImage(index);
	if (!image)
		return;
	std::string fix = rebuildInitramfs(index.tree().version);
	if (!image->problem.empty())
		out.push_back({"initramfs-differs", "", Severity::Warning,
			       fmt::format("{} cannot be read whole ({}): its modules were not "
					   "all compared with the disk's",
					   image->image, image->problem),
			       fix});
	for (const InitramfsEntry &e : image->entries) {
		if (!e.onDisk)
			out.push_back(
				{"initramfs-differs", e.module, Severity::Warning,
				 fmt::format("{} holds {}, a module the disk's tree does not "
					     "have any more: the early boot loads a driver the "
					     "system no longer ships",
					     image->image, e.copy.path.value_or("")),
				 fix});
		else if (e.copy.matchesDisk == false)
			out.push_back(
				{"initramfs-differs", e.module, Severity::Warning,
				 fmt::format("{} holds {} (srcversion {}), another build than "
					     "the disk's: it loads first at boot, and the disk's "
					     "copy never does",
					     image->image, e.copy.path.value_or(""),
					     e.copy.srcversion.value_or("unknown")),
				 fix});
	}
}

void firmwareFindings(ModuleIndex &index, const std::set<std::string> &modules,
		      std::vector<Finding> &out)
{
	for (const std::string &name : modules) {
		std::vector<std::string> missing;
		size_t present = 0;
		for (const FirmwareFile &f : moduleFirmware(index, name)) {
			if (f.path)
				present++;
			else
				missing.push_back(f.name);
		}
		if (missing.empty())
			continue;
		// Many drivers declare every version of their firmware and need one of them.
		bool none = present == 0;
		out.push_back(
			{"firmware-missing", name, none ? Severity::Warning : Severity::Info,
			 fmt::format("{} declares firmware not found under /lib/firmware (also "
				     "updates/ and the kernel version's directory): {}{}",
				     name, few(missing),
				     none ? "; none of its firmware is there, so the device it "
					    "drives may not work"
					  : fmt::format("; {} other declared file{} present (a "
							"driver often lists alternatives)",
							present, present == 1 ? " is" : "s are")),
			 fmt::format(
				 "install the package that ships {} (Debian: the firmware-* "
				 "packages; apt-file search {}), or copy it under /lib/firmware",
				 missing.front(), missing.front())});
	}
}

} // namespace

void doctorModuleFindings(ModuleIndex &index, const std::vector<std::string> &concerned,
			  std::vector<Finding> &out)
{
	Diagnostics ignored; // depmod.d's bad lines: `modloadctl explain` and depmod show them
	DepmodConfig config = readDepmodConfig(index.root(), index.tree().version, ignored);
	auto copies = findAllModuleCopies(index.root(), index.tree(), config);
	depmodFindings(auditDepmod(index.root(), index.tree(), copies), index.tree(), out);
	shadowFindings(index, config, copies, out);
	std::set<std::string> live = liveModuleNames(index.root());
	liveFindings(index, live, out);
	initramfsFindings(index, out);
	std::set<std::string> loading = live;
	loading.insert(concerned.begin(), concerned.end());
	firmwareFindings(index, loading, out);
}

} // namespace modloadd
