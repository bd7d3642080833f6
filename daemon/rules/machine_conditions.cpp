// The machine's answers to the rules' conditions, from the facts of the machine under a root.
#include "rules/machine_conditions.h"

#include <algorithm>
#include <cassert>
#include <fnmatch.h>
#include <variant>

#include "base/rooted_path.h"
#include "base/strings.h"
#include "system/fact_files.h"

namespace modloadd {

namespace {

// `test` on the value parseCondition() read, when the condition holds a T; false for a Condition
// that parseCondition() did not make.
template <typename T, typename Test> bool with(const Condition &c, Test test)
{
	const T *value = std::get_if<T>(&c.parsed);
	return value && test(*value);
}

bool fnmatches(const std::string &pattern, const std::string &s, int flags = 0)
{
	return ::fnmatch(pattern.c_str(), s.c_str(), flags) == 0;
}

bool testCommandLine(const CommandLineWord &w, MachineFacts &facts)
{
	const auto &words = facts.kernelCommandLine();
	if (!words)
		return false;
	for (const std::string &word : *words)
		if (word == w.word ||
		    (!w.exact && startsWith(word, w.word) && word[w.word.size()] == '='))
			return true;
	return false;
}

bool testKernelVersion(const std::vector<Comparison> &comparisons, MachineFacts &facts)
{
	const auto &release = facts.kernelRelease();
	return release &&
	       std::all_of(comparisons.begin(), comparisons.end(), [&](const Comparison &cmp) {
		       return versionOrGlobHolds(cmp, *release);
	       });
}

bool testVirtualization(const VirtualizationTest &t, MachineFacts &facts)
{
	const std::string &v = facts.virtualization();
	switch (t.kind) {
	case VirtualizationTest::Kind::Any:
		return v != "none";
	case VirtualizationTest::Kind::None:
		return v == "none";
	case VirtualizationTest::Kind::Vm:
		return facts.inVm();
	case VirtualizationTest::Kind::Container:
		return facts.inContainer();
	case VirtualizationTest::Kind::Named:
		return v != "none" && v == t.name;
	}
	return false;
}

bool testFirmware(const FirmwareTest &t, MachineFacts &facts)
{
	switch (t.kind) {
	case FirmwareKind::Uefi:
		return facts.efiBoot();
	case FirmwareKind::DeviceTree:
		return facts.deviceTree();
	case FirmwareKind::DeviceTreeCompatible: {
		const auto &list = facts.deviceTreeCompatible();
		return std::find(list.begin(), list.end(), t.argument) != list.end();
	}
	case FirmwareKind::SmbiosField: {
		const auto &value = facts.dmiField(t.argument);
		return value && versionOrGlobHolds(t.comparison, *value);
	}
	}
	return false;
}

bool testHost(const HostMatch &h, MachineFacts &facts)
{
	if (h.machineId) {
		const auto &machineId = facts.machineId();
		return machineId && *machineId == *h.machineId;
	}
	auto name = facts.hostname();
	return name && fnmatches(h.hostnameGlob, *name, FNM_CASEFOLD);
}

} // namespace

bool testMachineCondition(const Condition &c, MachineFacts &facts)
{
	assert(!isDeviceCondition(c.type));
	const std::string &root = facts.root();
	switch (c.type) {
	case ConditionType::PathExists:
		// access() like systemd: follows symlinks, a dangling one does not exist.
		return with<ConditionPath>(c, [&](const ConditionPath &p) {
			return pathExists(rootedPath(root, p.path));
		});

	case ConditionType::PathExistsGlob:
		return with<ConditionPath>(
			c, [&](const ConditionPath &p) { return globMatchesUnder(root, p.path); });

	case ConditionType::PathIsDirectory:
		return with<ConditionPath>(c, [&](const ConditionPath &p) {
			return isDirectory(rootedPath(root, p.path));
		});

	case ConditionType::DirectoryNotEmpty:
		return with<ConditionPath>(c, [&](const ConditionPath &p) {
			return directoryHasEntries(rootedPath(root, p.path));
		});

	case ConditionType::FileNotEmpty:
		return with<ConditionPath>(c, [&](const ConditionPath &p) {
			return isNonEmptyFile(rootedPath(root, p.path));
		});

	case ConditionType::KernelCommandLine:
		return with<CommandLineWord>(
			c, [&](const CommandLineWord &w) { return testCommandLine(w, facts); });

	case ConditionType::KernelVersion:
		return with<std::vector<Comparison>>(c, [&](const std::vector<Comparison> &v) {
			return testKernelVersion(v, facts);
		});

	case ConditionType::Virtualization:
		return with<VirtualizationTest>(c, [&](const VirtualizationTest &t) {
			return testVirtualization(t, facts);
		});

	case ConditionType::Architecture:
		return with<ArchitectureName>(c, [&](const ArchitectureName &a) {
			const auto &arch = facts.architecture();
			return arch && *arch == a.name;
		});

	case ConditionType::Firmware:
		return with<FirmwareTest>(
			c, [&](const FirmwareTest &t) { return testFirmware(t, facts); });

	case ConditionType::CPUFeature:
		return with<CpuFlag>(
			c, [&](const CpuFlag &f) { return facts.cpuFlags().count(f.flag) > 0; });

	case ConditionType::Host:
		return with<HostMatch>(c, [&](const HostMatch &h) { return testHost(h, facts); });

	case ConditionType::Memory:
		return with<AmountComparison>(c, [&](const AmountComparison &want) {
			auto have = facts.memory();
			return have && want.holdsFor(*have);
		});

	case ConditionType::CPUs:
		return with<AmountComparison>(c, [&](const AmountComparison &want) {
			auto have = facts.cpus();
			return have && want.holdsFor(*have);
		});

	case ConditionType::DMI:
		return with<DmiMatch>(c, [&](const DmiMatch &m) {
			const auto &value = facts.dmiField(m.field);
			return value && fnmatches(m.glob, std::string(trim(*value)));
		});

	case ConditionType::ModuleLoaded:
		return with<ModuleName>(
			c, [&](const ModuleName &m) { return facts.moduleLoaded(m.name); });

	case ConditionType::PCIDevice:
	case ConditionType::USBDevice:
	case ConditionType::Modalias:
		break;
	}
	return false;
}

} // namespace modloadd
