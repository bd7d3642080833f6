// What a device asks to have loaded: its modalias, and the fixed modules udev's driver rules
// add for a few subsystems that announce none.
#pragma once

#include "base/request.h"
#include "uevent/uevent.h"

#include <vector>

namespace modloadd {

// The requests for one device event. Only "add" asks for anything (as 80-drivers.rules): a
// device's MODALIAS, then the rules' fixed modules (tifm_sd/tifm_ms by TIFM_CARD_TYPE,
// ms_block and mspro_block for memstick, i2o_block for i2o, ppdev once parport_pc is live,
// sm_ftl for SmartMedia mtd*ro) and Debian's sg for every SCSI device. A modalias that fails
// validModalias() asks for nothing.
std::vector<Request> requestsForDevice(const Uevent &event);

} // namespace modloadd
