// The facts behind one query, gathered from libkmod (modinfo's fields, modprobe.d), depmod.d
// and the machine under the root.
#include "resolve/module_explain.h"

#include "base/handles.h"
#include "base/strings.h"
#include "system/module_facts.h"

#include <cerrno>
#include <fmt/format.h>
#include <fnmatch.h>

namespace modloadd {

namespace {

// modinfo's fields of MODULE that explain needs: srcversion, firmware, alias, intree, signer.
// From the file the index resolved inside the root (a builtin's from the tree's
// modules.builtin.modinfo).
void readModinfo(ModuleIndex &index, const std::string &module, ModuleExplanation &out,
		 std::vector<std::string> &aliases)
{
	const ModuleInfo *found = index.info(module);
	if (!found)
		return;
	kmod_module *raw = nullptr;
	int r = found->builtin
			? kmod_module_new_from_name(index.context(), module.c_str(), &raw)
			: kmod_module_new_from_path(index.context(), found->path.c_str(), &raw);
	if (r < 0)
		return;
	KmodModule mod(raw);
	kmod_list *list = nullptr;
	if (kmod_module_get_info(mod.get(), &list) < 0)
		return;
	KmodInfoList info(list);
	kmod_list *l;
	kmod_list_foreach(l, info.get())
	{
		std::string key = kmod_module_info_get_key(l);
		const char *value = kmod_module_info_get_value(l);
		std::string v = value ? value : "";
		if (key == "srcversion")
			out.srcversion = v;
		else if (key == "firmware")
			out.firmware.push_back({v, std::nullopt});
		else if (key == "alias")
			aliases.push_back(v);
		else if (key == "intree")
			out.inTree = v == "Y";
		else if (key == "signer" || key == "sig_id")
			out.isSigned = true;
	}
}

// The modprobe.d alias lines whose pattern matches WHAT and that name MODULE.
void configAliases(kmod_ctx *ctx, const std::string &what, const std::string &module,
		   std::vector<std::string> &out)
{
	KmodConfigIter it(kmod_config_get_aliases(ctx));
	while (it && kmod_config_iter_next(it.get())) {
		std::string pattern = kmod_config_iter_get_key(it.get());
		const char *target = kmod_config_iter_get_value(it.get());
		if (target && normalizeModuleName(target) == module &&
		    fnmatch(pattern.c_str(), what.c_str(), 0) == 0)
			out.push_back("modprobe.d: alias " + pattern);
	}
}

} // namespace

std::vector<FirmwareFile> moduleFirmware(ModuleIndex &index, const std::string &module)
{
	ModuleExplanation m;
	std::vector<std::string> aliases;
	readModinfo(index, module, m, aliases);
	for (FirmwareFile &f : m.firmware)
		f.path = findFirmware(index.root(), index.tree().version, f.name);
	return m.firmware;
}

Result<Explanation> explainQuery(ModuleIndex &index, std::string_view query,
				 const std::vector<DenyGlob> &deny)
{
	Explanation ex;
	ex.query = query;
	ex.lookedUp = query;
	ex.kernel = index.tree().version;
	const std::string &root = index.root();
	if (startsWith(query, "/")) {
		ex.kind = QueryKind::Devpath;
		auto modalias = readDeviceModalias(root, query);
		if (!modalias)
			return Error{-ENOENT,
				     fmt::format("the device {} has no modalias (no modalias file, "
						 "no MODALIAS= in its uevent)",
						 query)};
		ex.lookedUp = *modalias;
	}
	auto names = index.lookup(ex.lookedUp);
	if (!names)
		return names.error();
	if (ex.kind != QueryKind::Devpath) {
		std::string normal = normalizeModuleName(ex.lookedUp);
		bool byName = false;
		for (const std::string &n : *names)
			byName = byName || n == normal;
		ex.kind = byName				       ? QueryKind::Name
			  : ex.lookedUp.find(':') != std::string::npos ? QueryKind::Modalias
								       : QueryKind::Alias;
	}
	ex.depmod = readDepmodConfig(root, index.tree().version, ex.diagnostics);
	for (const std::string &name : *names) {
		const ModuleInfo *info = index.info(name);
		if (!info)
			continue;
		ModuleExplanation m;
		m.info = *info;
		std::vector<std::string> aliases;
		readModinfo(index, name, m, aliases);
		if (const DenyGlob *d = findDenyGlob(deny, name))
			m.deniedForDevices = *d;
		if (ex.kind != QueryKind::Name) {
			for (const std::string &a : aliases)
				if (fnmatch(a.c_str(), ex.lookedUp.c_str(), 0) == 0)
					m.matchedAliases.push_back(a);
			configAliases(index.context(), ex.lookedUp, name, m.matchedAliases);
		}
		m.candidates = judgeCopies(findModuleCopies(root, index.tree(), ex.depmod, name),
					   info->builtin ? "" : info->displayPath, index.tree(),
					   ex.depmod);
		m.live = moduleIsLive(root, name);
		if (m.live) {
			m.liveSrcversion = readModuleAttribute(root, name, "srcversion");
			m.liveTaint = readModuleAttribute(root, name, "taint");
			if (m.liveSrcversion && m.srcversion)
				m.liveMatchesFile = *m.liveSrcversion == *m.srcversion;
		}
		for (FirmwareFile &f : m.firmware)
			f.path = findFirmware(root, ex.kernel, f.name);
		m.initramfs = examineInitramfs(index, *info, m.srcversion);
		ex.modules.push_back(std::move(m));
	}
	return ex;
}

} // namespace modloadd
