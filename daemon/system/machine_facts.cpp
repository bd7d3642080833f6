// The facts of the machine under a root, each read on first use or at every question.
#include "system/machine_facts.h"

#include <algorithm>
#include <sys/utsname.h>

#include "base/rooted_path.h"
#include "base/strings.h"
#include "base/words.h"
#include "system/architecture.h"
#include "system/fact_files.h"
#include "system/kernel_tree.h"
#include "system/live_modules.h"
#include "system/machine_resources.h"
#include "system/virtualization.h"

namespace modloadd {

namespace {

std::string_view trimEnd(std::string_view s)
{
	size_t last = s.find_last_not_of(kWhitespace);
	return last == std::string_view::npos ? std::string_view() : s.substr(0, last + 1);
}

// What uname() says of the running system (`field` picks the string), or else the trimmed line
// of ROOT/proc/sys/kernel/NAME, which holds the same string.
template <typename Field>
std::optional<std::string> unameOrProc(bool running, const std::string &procFile, Field field)
{
	struct utsname u;
	if (running && ::uname(&u) == 0)
		return std::string(field(u));
	if (auto line = readFactLine(procFile))
		return std::string(trim(*line));
	return std::nullopt;
}

} // namespace

MachineFacts::MachineFacts(std::string_view root) : root_(root), running_(rootIsRunningSystem(root))
{
}

std::string MachineFacts::path(std::string_view p) const
{
	return rootedPath(root_, p);
}

void MachineFacts::setCpuidHypervisor(std::string signature)
{
	cpuidSignature_ = std::move(signature);
	virtualization_.known = false;
}

const std::string &MachineFacts::virtualization()
{
	if (!container_.known) {
		container_.value = detectContainer(root_);
		container_.known = true;
	}
	if (!virtualization_.known) {
		virtualization_.value = container_.value != "none"
						? container_.value
						: detectVm(root_, cpuidSignature_);
		virtualization_.known = true;
	}
	return virtualization_.value;
}

bool MachineFacts::inContainer()
{
	virtualization();
	return container_.value != "none";
}

bool MachineFacts::inVm()
{
	return virtualization() != "none" && !inContainer();
}

const std::optional<std::string> &MachineFacts::kernelRelease()
{
	if (!kernelRelease_.known) {
		kernelRelease_.value = unameOrProc(running_, path("/proc/sys/kernel/osrelease"),
						   [](const utsname &u) { return u.release; });
		kernelRelease_.known = true;
	}
	return kernelRelease_.value;
}

const std::optional<std::vector<std::string>> &MachineFacts::kernelCommandLine()
{
	if (!cmdline_.known) {
		// systemd's proc_cmdline(): in a container, PID 1's arguments are the "kernel"
		// command line the container manager gave it (joined with spaces, then split).
		std::optional<std::string> line;
		if (inContainer()) {
			line = readFactFile(path("/proc/1/cmdline"));
			if (line)
				std::replace(line->begin(), line->end(), '\0', ' ');
		} else {
			line = readFactLine(path("/proc/cmdline"));
		}
		if (line) {
			std::vector<std::string> words;
			std::string_view rest = *line;
			std::string word;
			while (extractWord(rest, word, true, true) > 0)
				words.push_back(word);
			cmdline_.value = std::move(words);
		}
		cmdline_.known = true;
	}
	return cmdline_.value;
}

const std::optional<std::string> &MachineFacts::architecture()
{
	if (!architecture_.known) {
		auto machine = unameOrProc(running_, path("/proc/sys/kernel/arch"),
					   [](const utsname &u) { return u.machine; });
		if (machine)
			if (auto name = architectureOfMachine(*machine))
				architecture_.value = std::string(*name);
		architecture_.known = true;
	}
	return architecture_.value;
}

const std::set<std::string> &MachineFacts::cpuFlags()
{
	if (!cpuFlags_.known) {
		if (auto cpuinfo = readFactFile(path("/proc/cpuinfo")))
			cpuFlags_.value = cpuinfoFlags(*cpuinfo);
		cpuFlags_.known = true;
	}
	return cpuFlags_.value;
}

std::optional<uint64_t> MachineFacts::memory()
{
	if (!memory_.known) {
		memory_.value = physicalMemory(root_);
		memory_.known = true;
	}
	return memory_.value;
}

std::optional<unsigned> MachineFacts::cpus()
{
	if (!cpus_.known) {
		cpus_.value = usableCpus(root_);
		cpus_.known = true;
	}
	return cpus_.value;
}

const std::optional<std::string> &MachineFacts::machineId()
{
	if (!machineId_.known) {
		// Only the plain 32-digit form, as systemd's id128_read() with ID128_FORMAT_PLAIN;
		// "uninitialized" (first boot) is no ID.
		if (auto line = readFactLine(path("/etc/machine-id")); line && line->size() == 32)
			machineId_.value = parseId128(*line);
		machineId_.known = true;
	}
	return machineId_.value;
}

std::optional<std::string> MachineFacts::hostname()
{
	auto name = unameOrProc(running_, path("/proc/sys/kernel/hostname"),
				[](const utsname &u) { return u.nodename; });
	// gethostname_malloc(): an unset name is the fallback hostname.
	if (name && (name->empty() || *name == "(none)"))
		name = "localhost";
	return name;
}

const std::optional<std::string> &MachineFacts::dmiField(const std::string &field)
{
	auto it = dmi_.find(field);
	if (it == dmi_.end()) {
		std::optional<std::string> value;
		if (field.find('/') == std::string::npos && field != "." && field != "..")
			if (auto text = readFactFile(path("/sys/class/dmi/id/" + field)))
				value = std::string(trimEnd(*text));
		it = dmi_.emplace(field, std::move(value)).first;
	}
	return it->second;
}

bool MachineFacts::efiBoot()
{
	if (!efiBoot_.known) {
		// is_efi_boot(): a container never booted, whatever the host's sysfs shows.
		efiBoot_.value = !inContainer() && isDirectory(path("/sys/firmware/efi"));
		efiBoot_.known = true;
	}
	return efiBoot_.value;
}

bool MachineFacts::deviceTree()
{
	if (!deviceTree_.known) {
		deviceTree_.value = isDirectory(path("/sys/firmware/devicetree"));
		deviceTree_.known = true;
	}
	return deviceTree_.value;
}

const std::vector<std::string> &MachineFacts::deviceTreeCompatible()
{
	if (!compatible_.known) {
		// /proc/device-tree links to /sys/firmware/devicetree/base; a fixture may hold
		// either.
		auto text = readFactFile(path("/proc/device-tree/compatible"));
		if (!text)
			text = readFactFile(path("/sys/firmware/devicetree/base/compatible"));
		// Strings each ending in NUL; anything else is not a compatible property.
		if (text && !text->empty() && text->back() == '\0') {
			text->pop_back();
			compatible_.value = split(*text, '\0', false);
		}
		compatible_.known = true;
	}
	return compatible_.value;
}

bool MachineFacts::moduleLoaded(std::string_view name)
{
	// Loaded means usable now: live in /proc/modules (not still loading or going away), or
	// built into the kernel. A builtin module shows in /sys/module when it has parameters or
	// a version (without an initstate, which only loadable modules have) and is always in
	// modules.builtin of the running kernel's tree.
	std::string wanted = normalizeModuleName(name);
	std::map<std::string, std::string> states = readModuleStates(root_);
	if (auto it = states.find(wanted); it != states.end())
		return it->second.empty() || it->second == "Live";

	std::string sysModule = path("/sys/module/" + wanted);
	if (wanted.find('/') == std::string::npos && isDirectory(sysModule)) {
		if (auto state = readFactLine(sysModule + "/initstate"))
			return trim(*state) == "live";
		return true;
	}

	if (!builtinModules_.known) {
		if (const auto &release = kernelRelease())
			builtinModules_.value = readBuiltinModules(root_, *release);
		builtinModules_.known = true;
	}
	return builtinModules_.value.count(wanted) > 0;
}

} // namespace modloadd
