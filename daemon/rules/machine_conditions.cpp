// The machine's answers to the rules' conditions, read through a root directory.
#include "rules/machine_conditions.h"

#include <algorithm>
#include <cassert>
#include <fnmatch.h>
#include <sys/utsname.h>

#include "base/strings.h"
#include "base/words.h"
#include "rules/version_compare.h"
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

bool fnmatches(const std::string &pattern, const std::string &s, int flags = 0)
{
	return ::fnmatch(pattern.c_str(), s.c_str(), flags) == 0;
}

bool holds(int cmp, CompareOp op)
{
	switch (op) {
	case CompareOp::Less:
		return cmp < 0;
	case CompareOp::LessOrEqual:
		return cmp <= 0;
	case CompareOp::Equal:
		return cmp == 0;
	case CompareOp::NotEqual:
		return cmp != 0;
	case CompareOp::GreaterOrEqual:
		return cmp >= 0;
	case CompareOp::Greater:
		return cmp > 0;
	default:
		return false; // string and glob operators do not order
	}
}

template <typename T> int order(T a, T b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

// systemd's version_or_fnmatch_compare().
bool versionOrGlobHolds(const Comparison &c, const std::string &actual)
{
	switch (c.op) {
	case CompareOp::StringEqual:
		return actual == c.operand;
	case CompareOp::StringNotEqual:
		return actual != c.operand;
	case CompareOp::GlobEqual:
		return fnmatches(c.operand, actual);
	case CompareOp::GlobNotEqual:
		return ::fnmatch(c.operand.c_str(), actual.c_str(), 0) == FNM_NOMATCH;
	default:
		return holds(compareVersions(actual, c.operand), c.op);
	}
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

bool testMachineCondition(const Condition &c, MachineFacts &facts)
{
	assert(!isDeviceCondition(c.type));
	switch (c.type) {
	case ConditionType::PathExists:
		// access() like systemd: follows symlinks, a dangling one does not exist.
		return pathExists(rootedPath(facts.root(), c.value));

	case ConditionType::PathExistsGlob:
		return globMatchesUnder(facts.root(), c.value);

	case ConditionType::PathIsDirectory:
		return isDirectory(rootedPath(facts.root(), c.value));

	case ConditionType::DirectoryNotEmpty:
		return directoryHasEntries(rootedPath(facts.root(), c.value));

	case ConditionType::FileNotEmpty:
		return isNonEmptyFile(rootedPath(facts.root(), c.value));

	case ConditionType::KernelCommandLine: {
		const auto &words = facts.kernelCommandLine();
		if (!words)
			return false;
		// "a=b" asks for that exact word; "a" for "a" or any "a=...".
		bool exact = c.value.find('=') != std::string::npos;
		for (const std::string &word : *words)
			if (word == c.value ||
			    (!exact && startsWith(word, c.value) && word[c.value.size()] == '='))
				return true;
		return false;
	}

	case ConditionType::KernelVersion: {
		const auto &release = facts.kernelRelease();
		auto comparisons = parseKernelVersionValue(c.value);
		if (!release || !comparisons)
			return false;
		return std::all_of(
			comparisons->begin(), comparisons->end(),
			[&](const Comparison &cmp) { return versionOrGlobHolds(cmp, *release); });
	}

	case ConditionType::Virtualization: {
		const std::string &v = facts.virtualization();
		if (auto b = parseBoolean(c.value))
			return *b == (v != "none");
		if (c.value == "vm")
			return facts.inVm();
		if (c.value == "container")
			return facts.inContainer();
		return v != "none" && v == c.value;
	}

	case ConditionType::Architecture: {
		const auto &arch = facts.architecture();
		if (!arch)
			return false;
		return *arch == (c.value == "native" ? nativeArchitecture() : c.value);
	}

	case ConditionType::Firmware: {
		auto t = parseFirmwareValue(c.value);
		if (!t)
			return false;
		switch (t->kind) {
		case FirmwareKind::Uefi:
			return facts.efiBoot();
		case FirmwareKind::DeviceTree:
			return facts.deviceTree();
		case FirmwareKind::DeviceTreeCompatible: {
			const auto &list = facts.deviceTreeCompatible();
			return std::find(list.begin(), list.end(), t->argument) != list.end();
		}
		case FirmwareKind::SmbiosField: {
			const auto &value = facts.dmiField(t->argument);
			return value && versionOrGlobHolds(t->comparison, *value);
		}
		}
		return false;
	}

	case ConditionType::CPUFeature: {
		std::string flag = asciiLower(c.value);
		// systemd names three flags its own way (its CPUID table); the kernel's names are
		// the others. Flags beyond systemd's table are false there; here they are read.
		if (flag == "pclmul")
			flag = "pclmulqdq";
		else if (flag == "fma3")
			flag = "fma";
		else if (flag == "osxsave")
			flag = "xsave"; // the kernel hides osxsave; it enables it with xsave
		return facts.cpuFlags().count(flag) > 0;
	}

	case ConditionType::Host: {
		if (auto id = parseId128(c.value)) {
			const auto &machineId = facts.machineId();
			return machineId && *machineId == *id;
		}
		auto name = facts.hostname();
		return name && fnmatches(c.value, *name, FNM_CASEFOLD);
	}

	case ConditionType::Memory: {
		auto want = parseMemoryValue(c.value);
		auto have = facts.memory();
		return want && have && holds(order(*have, want->amount), want->op);
	}

	case ConditionType::CPUs: {
		auto want = parseCpusValue(c.value);
		auto have = facts.cpus();
		return want && have &&
		       holds(order(static_cast<uint64_t>(*have), want->amount), want->op);
	}

	case ConditionType::DMI: {
		auto match = parseDmiValue(c.value);
		if (!match)
			return false;
		const auto &value = facts.dmiField(match->field);
		return value && fnmatches(match->glob, std::string(trim(*value)));
	}

	case ConditionType::ModuleLoaded:
		return facts.moduleLoaded(c.value);

	case ConditionType::PCIDevice:
	case ConditionType::USBDevice:
	case ConditionType::Modalias:
		break;
	}
	return false;
}

} // namespace modloadd
