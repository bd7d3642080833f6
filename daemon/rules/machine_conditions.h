// The machine's answers to the rules' conditions: systemd's Condition*= tests, and modloadd's
// DMI= and ModuleLoaded=, on the facts of the machine under a root.
#pragma once

#include "rules/condition.h"
#include "system/machine_facts.h"

namespace modloadd {

// The raw result of one machine condition (not a device condition): `negate` and `trigger` are
// the caller's. Semantics as systemd 252's condition.c where systemd has the condition. Tests
// `c.parsed` only: false for a Condition that parseCondition() did not make.
bool testMachineCondition(const Condition &c, MachineFacts &facts);

} // namespace modloadd
