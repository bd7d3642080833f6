// The words and the JSON of `modloadctl explain`.
#include "report/explain_output.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

namespace modloadd {

namespace {

using Json = nlohmann::ordered_json;

const char *kindWord(QueryKind kind)
{
	switch (kind) {
	case QueryKind::Name:
		return "name";
	case QueryKind::Alias:
		return "alias";
	case QueryKind::Modalias:
		return "modalias";
	case QueryKind::Devpath:
		return "devpath";
	}
	return "name";
}

std::string listOrNone(const std::vector<std::string> &items)
{
	return items.empty() ? "none" : fmt::format("{}", fmt::join(items, ", "));
}

template <typename T> Json orNull(const std::optional<T> &v)
{
	return v ? Json(*v) : Json(nullptr);
}

// The taint a file would bring, and the running copy's letters.
std::string taintWords(const ModuleExplanation &m)
{
	std::vector<std::string> words;
	words.push_back(m.inTree ? "in-tree" : "out-of-tree (taint O)");
	words.push_back(m.isSigned ? "signed" : "unsigned (taint E where signatures are checked)");
	std::string out = fmt::format("{}", fmt::join(words, ", "));
	if (m.live)
		out += fmt::format("; the running copy's taint: {}",
				   m.liveTaint && !m.liveTaint->empty() ? *m.liveTaint : "none");
	return out;
}

void initramfsText(const ModuleExplanation &m, const std::string &kernel, std::string &out)
{
	if (!m.initramfs) {
		out += fmt::format("  initramfs: none for {} under /boot\n", kernel);
		return;
	}
	const InitramfsCopy &c = *m.initramfs;
	if (!c.problem.empty())
		out += fmt::format("  initramfs: {} cannot be read: {}\n", c.image, c.problem);
	else if (!c.path)
		out += fmt::format("  initramfs: {} holds no copy (the module loads from the disk "
				   "once the root is mounted)\n",
				   c.image);
	else if (!c.matchesDisk)
		out += fmt::format("  initramfs: {} holds {}\n", c.image, *c.path);
	else if (*c.matchesDisk)
		out += fmt::format("  initramfs: {} holds {}, the same build as the disk's\n",
				   c.image, *c.path);
	else
		out += fmt::format(
			"  initramfs: {} holds {}, ANOTHER build than the disk's "
			"(srcversion {}): it loads before the disk's can; rebuild the "
			"initramfs (update-initramfs -u -k {}, or dracut -f --kver {})\n",
			c.image, *c.path, c.srcversion.value_or("unknown"), kernel, kernel);
}

void liveText(const ModuleExplanation &m, const std::string &kernel, std::string &out)
{
	if (!m.live) {
		out += "  live: no (not loaded)\n";
		return;
	}
	out += fmt::format("  live: yes; srcversion running {}, file {}\n",
			   m.liveSrcversion.value_or("unknown"), m.srcversion.value_or("unknown"));
	if (m.liveMatchesFile && !*m.liveMatchesFile)
		out += fmt::format(
			"  warning: the running copy is another build than {}: it was most likely "
			"loaded from the initramfs, which holds an older copy; rebuild it "
			"(update-initramfs -u -k {}, or dracut -f --kver {}) and reboot\n",
			m.info.builtin ? "the kernel's" : m.info.displayPath, kernel, kernel);
}

} // namespace

std::string explainText(const Explanation &ex)
{
	std::string out;
	int step = 1;
	out += fmt::format("{}. query: {} ({}), kernel {}\n", step++, ex.query, kindWord(ex.kind),
			   ex.kernel);
	if (ex.kind == QueryKind::Devpath)
		out += fmt::format("   the device's modalias: {}\n", ex.lookedUp);
	out += fmt::format("{}. depmod.d: {}\n", step++, listOrNone(ex.depmod.files));
	for (const Diagnostic &d : ex.diagnostics)
		out += fmt::format("   {}:{}: {}\n", d.file, d.line, d.message);
	if (ex.modules.empty()) {
		out += fmt::format("{}. no module matches {}\n", step, ex.lookedUp);
		return out;
	}
	for (const ModuleExplanation &m : ex.modules) {
		const ModuleInfo &i = m.info;
		out += fmt::format("{}. module {}\n", step++, i.name);
		if (ex.kind != QueryKind::Name)
			out += fmt::format("  matched by: {}\n", listOrNone(m.matchedAliases));
		if (i.builtin)
			out += "  file: none, built into the kernel\n";
		else
			out += fmt::format("  file: {} (modules.dep){}\n", i.displayPath,
					   i.fileMissing ? ", MISSING: run depmod" : "");
		out += fmt::format("  copies in the tree: {}\n", m.candidates.size());
		for (const Candidate &c : m.candidates)
			out += fmt::format("    {} {}: {}\n", c.chosen ? "*" : "-", c.path, c.why);
		out += fmt::format("  dependencies: {}\n", listOrNone(i.deps));
		out += fmt::format("  softdeps: pre: {}; post: {}\n", listOrNone(i.softPre),
				   listOrNone(i.softPost));
		out += fmt::format("  blacklisted: {}\n",
				   i.blacklisted ? "yes (an alias does not load it; its name does)"
						 : "no");
		out += fmt::format("  options: {}\n", i.options.empty() ? "none" : i.options);
		if (m.deniedForDevices)
			out += fmt::format(
				"  for devices: denied by [Devices] DenyModules={}: a device "
				"does not load it; modules-load.d, the command line and "
				"rules still do\n",
				m.deniedForDevices->describe());
		else
			out += "  for devices: loaded when a device asks for it\n";
		liveText(m, ex.kernel, out);
		out += fmt::format("  taint: {}\n", taintWords(m));
		if (m.firmware.empty())
			out += "  firmware: none declared\n";
		for (const FirmwareFile &f : m.firmware)
			out += fmt::format("  firmware: {}: {}\n", f.name,
					   f.path ? "present, " + *f.path
						  : "MISSING under /lib/firmware");
		initramfsText(m, ex.kernel, out);
	}
	return out;
}

std::string explainJson(const Explanation &ex)
{
	Json modules = Json::array();
	for (const ModuleExplanation &m : ex.modules) {
		const ModuleInfo &i = m.info;
		Json j;
		j["name"] = i.name;
		j["path"] = i.builtin ? Json(nullptr) : Json(i.displayPath);
		j["matched_aliases"] = m.matchedAliases;
		Json candidates = Json::array();
		for (const Candidate &c : m.candidates)
			candidates.push_back(
				{{"path", c.path}, {"chosen", c.chosen}, {"why", c.why}});
		j["candidates"] = candidates;
		j["builtin"] = i.builtin;
		j["live"] = m.live;
		j["srcversion"] = orNull(m.srcversion);
		j["live_srcversion"] = m.live ? orNull(m.liveSrcversion) : Json(nullptr);
		j["live_matches_file"] = orNull(m.liveMatchesFile);
		j["dependencies"] = i.deps;
		j["softdeps"] = {{"pre", i.softPre}, {"post", i.softPost}};
		j["blacklisted"] = i.blacklisted;
		j["options"] = i.options;
		j["denied_for_devices"] = m.deniedForDevices
						  ? Json{{"glob", m.deniedForDevices->glob},
							 {"file", m.deniedForDevices->file},
							 {"line", m.deniedForDevices->line}}
						  : Json(nullptr);
		j["taint"] = {{"in_tree", m.inTree},
			      {"signed", m.isSigned},
			      {"live", m.live ? orNull(m.liveTaint) : Json(nullptr)}};
		Json firmware = Json::array();
		for (const FirmwareFile &f : m.firmware)
			firmware.push_back({{"name", f.name},
					    {"present", f.path.has_value()},
					    {"path", orNull(f.path)}});
		j["firmware"] = firmware;
		if (m.initramfs)
			j["initramfs"] = {{"image", m.initramfs->image},
					  {"path", orNull(m.initramfs->path)},
					  {"matches_disk", orNull(m.initramfs->matchesDisk)}};
		else
			j["initramfs"] = nullptr;
		modules.push_back(std::move(j));
	}
	Json doc;
	doc["query"] = ex.query;
	doc["kind"] = kindWord(ex.kind);
	doc["modalias"] = ex.kind == QueryKind::Devpath ? Json(ex.lookedUp) : Json(nullptr);
	doc["kernel"] = ex.kernel;
	doc["depmod_d"] = ex.depmod.files;
	doc["modules"] = modules;
	return doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

} // namespace modloadd
