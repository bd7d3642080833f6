// `modloadctl doctor`: what stands between a system's configuration and its modules loading as
// meant, each finding with the module, why it matters and the fix. Reads the target system
// under a root; needs no daemon. Main thread only (libkmod).
#pragma once

#include "base/result.h"
#include "report/doctor_output.h"
#include "resolve/module_index.h"
#include "service/boot_plan.h"

#include <vector>

namespace modloadd {

// Every check over INPUTS' root and kernel: the configuration (missing-module,
// blacklisted-listed for the command line, modules-load.d and the rules, each rule tested as
// `plan` tests it; takeover-partial; denied-device for the devices under the root) and the
// module tree (see doctorModuleFindings()).
// An Error when there is no module tree for the kernel or its index will not open.
Result<DoctorReport> runDoctor(const BootInputs &inputs);

// The module tree's checks: depmod-stale and shadowed-copy over every module file;
// live-differs over the live modules; initramfs-differs over the initramfs's modules;
// firmware-missing over the live modules and CONCERNED (the modules the configuration loads).
void doctorModuleFindings(ModuleIndex &index, const std::vector<std::string> &concerned,
			  std::vector<Finding> &out);

} // namespace modloadd
