// uname -m and this binary's build target in systemd's architecture names.
#include "system/architecture.h"

#include "base/strings.h"

namespace modloadd {

std::optional<std::string_view> architectureOfMachine(std::string_view m)
{
	// systemd's uname_architecture() table, for every architecture at once (a root may
	// describe another machine than ours).
	struct Machine {
		std::string_view machine;
		std::string_view arch;
	};
	static constexpr Machine kMachines[] = {
		{"x86_64", "x86-64"},
		{"i686", "x86"},
		{"i586", "x86"},
		{"i486", "x86"},
		{"i386", "x86"},
		{"aarch64", "arm64"},
		{"aarch64_be", "arm64-be"},
		{"alpha", "alpha"},
		{"arc", "arc"},
		{"arceb", "arc-be"},
		{"crisv32", "cris"},
		{"ia64", "ia64"},
		{"parisc64", "parisc64"},
		{"parisc", "parisc"},
		{"loongarch64", "loongarch64"},
		{"m68k", "m68k"},
		{"mips64", "mips64"},
		{"mips", "mips"},
		{"nios2", "nios2"},
		{"ppc64le", "ppc64-le"},
		{"ppc64", "ppc64"},
		{"ppcle", "ppc-le"},
		{"ppc", "ppc"},
		{"riscv64", "riscv64"},
		{"riscv32", "riscv32"},
		{"s390x", "s390x"},
		{"s390", "s390"},
		{"sh5", "sh64"},
		{"sh4a", "sh"},
		{"sh4", "sh"},
		{"sh3", "sh"},
		{"sh2a", "sh"},
		{"sh2", "sh"},
		{"sparc64", "sparc64"},
		{"sparc", "sparc"},
		{"tilegx", "tilegx"},
	};
	for (const Machine &e : kMachines)
		if (e.machine == m)
			return e.arch;
	// armv4l ... armv8l, armv5tejl, armv7ml: little endian; the same ending in 'b': big.
	if (startsWith(m, "armv") && m.size() > 4 && m[4] >= '0' && m[4] <= '9') {
		if (m.back() == 'l')
			return "arm";
		if (m.back() == 'b')
			return "arm-be";
	}
	return std::nullopt;
}

std::string_view nativeArchitecture()
{
	[[maybe_unused]] constexpr bool big = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
#if defined(__x86_64__)
	return "x86-64";
#elif defined(__i386__)
	return "x86";
#elif defined(__aarch64__)
	return big ? "arm64-be" : "arm64";
#elif defined(__arm__)
	return big ? "arm-be" : "arm";
#elif defined(__powerpc64__)
	return big ? "ppc64" : "ppc64-le";
#elif defined(__powerpc__)
	return big ? "ppc" : "ppc-le";
#elif defined(__s390x__)
	return "s390x";
#elif defined(__s390__)
	return "s390";
#elif defined(__sparc__) && defined(__arch64__)
	return "sparc64";
#elif defined(__sparc__)
	return "sparc";
#elif defined(__mips__) && defined(__LP64__)
	return big ? "mips64" : "mips64-le";
#elif defined(__mips__)
	return big ? "mips" : "mips-le";
#elif defined(__alpha__)
	return "alpha";
#elif defined(__ia64__)
	return "ia64";
#elif defined(__hppa64__)
	return "parisc64";
#elif defined(__hppa__)
	return "parisc";
#elif defined(__sh64__)
	return "sh64";
#elif defined(__sh__)
	return "sh";
#elif defined(__m68k__)
	return "m68k";
#elif defined(__tilegx__)
	return "tilegx";
#elif defined(__cris__)
	return "cris";
#elif defined(__arc__)
	return big ? "arc-be" : "arc";
#elif defined(__nios2__)
	return "nios2";
#elif defined(__riscv) && __riscv_xlen == 64
	return "riscv64";
#elif defined(__riscv)
	return "riscv32";
#elif defined(__loongarch64)
	return "loongarch64";
#else
	return "unknown";
#endif
}

} // namespace modloadd
