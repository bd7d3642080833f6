// The machine's answers to the rules' conditions, from the facts of the machine under a root.
#include "rules/machine_conditions.h"

#include <algorithm>
#include <cassert>
#include <fnmatch.h>

#include "base/strings.h"
#include "system/architecture.h"
#include "system/fact_files.h"

namespace modloadd {

namespace {

bool fnmatches(const std::string &pattern, const std::string &s, int flags = 0)
{
	return ::fnmatch(pattern.c_str(), s.c_str(), flags) == 0;
}

} // namespace

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
		return want && have && want->holdsFor(*have);
	}

	case ConditionType::CPUs: {
		auto want = parseCpusValue(c.value);
		auto have = facts.cpus();
		return want && have && want->holdsFor(*have);
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
