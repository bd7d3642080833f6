// SMBIOS structures for fixture roots, as /sys/firmware/dmi/entries holds them.
#pragma once

#include <string>

namespace modloadd::testing {

// An SMBIOS type 0 structure of 20 bytes whose characteristics extension byte 2 has (or has
// not) the "system is a virtual machine" bit.
inline std::string biosEntry(bool vm)
{
	std::string raw(20, '\0');
	raw[1] = 20;
	raw[19] = vm ? 0x10 : 0x00;
	return raw;
}

} // namespace modloadd::testing
