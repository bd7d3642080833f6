// systemd-analyze condition on this machine against our verdict, one condition per case.
//
// Each case runs `systemd-analyze condition 'ConditionX=VALUE'` (exit 0: holds, 1: fails) and
// compares with testMachineCondition() on root "/" ("!" applied here). Exits 77 without
// systemd-analyze, 1 on any mismatch. systemd-analyze answering anything but a plain
// "succeeded"/"failed" (a parse warning, "Couldn't determine result", another exit code) is a
// bug in the case, counted as a mismatch.
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <string>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "base/strings.h"
#include "base/words.h"
#include "rules/condition.h"
#include "rules/machine_conditions.h"
#include "temp_tree.h"

using namespace modloadd;
using modloadd::testing::TempTree;

namespace {

constexpr const char *kSystemdAnalyze = "/usr/bin/systemd-analyze";

// systemd's has_cpu_with_flag() knows only these names (its CPUID table); any other flag is
// false there, while modloadd reads the kernel's flags. A flag outside the table that the CPU
// has is a known, documented difference, not a mismatch.
const std::set<std::string> kSystemdCpuFlags = {
	"fpu",	   "vme",     "de",	      "pse",	 "tsc",	   "msr",     "pae",	"mce",
	"cx8",	   "apic",    "sep",	      "mtrr",	 "pge",	   "mca",     "cmov",	"pat",
	"pse36",   "clflush", "mmx",	      "fxsr",	 "sse",	   "sse2",    "ht",	"pni",
	"pclmul",  "monitor", "ssse3",	      "fma3",	 "cx16",   "sse4_1",  "sse4_2", "movbe",
	"popcnt",  "aes",     "xsave",	      "osxsave", "avx",	   "f16c",    "rdrand", "bmi1",
	"avx2",	   "bmi2",    "rdseed",	      "adx",	 "sha_ni", "syscall", "rdtscp", "lm",
	"lahf_lm", "abm",     "constant_tsc",
};

struct Run {
	int exitCode = -1;
	std::string output;
};

Run runSystemdAnalyze(const std::string &assignment)
{
	Run run;
	int fds[2];
	if (::pipe(fds) < 0)
		return run;
	pid_t pid = ::fork();
	if (pid < 0) {
		::close(fds[0]);
		::close(fds[1]);
		return run;
	}
	if (pid == 0) {
		::dup2(fds[1], STDOUT_FILENO);
		::dup2(fds[1], STDERR_FILENO);
		::close(fds[0]);
		::close(fds[1]);
		::setenv("SYSTEMD_COLORS", "0", 1);
		::setenv("SYSTEMD_LOG_LEVEL", "info", 1);
		::execl(kSystemdAnalyze, "systemd-analyze", "condition", assignment.c_str(),
			static_cast<char *>(nullptr));
		::_exit(127);
	}
	::close(fds[1]);
	char buf[4096];
	for (;;) {
		ssize_t n = ::read(fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		run.output.append(buf, static_cast<size_t>(n));
	}
	::close(fds[0]);
	int status = 0;
	while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
	}
	run.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return run;
}

std::string firstLine(const std::string &s)
{
	return std::string(trim(std::string_view(s).substr(0, s.find('\n'))));
}

std::vector<std::string> wordsOf(std::string text)
{
	for (char &c : text)
		if (c == '\0')
			c = ' ';
	std::vector<std::string> words;
	std::string_view rest = text;
	std::string word;
	while (extractWord(rest, word, true, true) > 0)
		words.push_back(word);
	return words;
}

std::string readAll(const std::string &path)
{
	std::ifstream in(path, std::ios::binary);
	return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string upper(std::string s)
{
	for (char &c : s)
		if (c >= 'a' && c <= 'z')
			c = static_cast<char>(c - 'a' + 'A');
	return s;
}

// The cases: systemd's conditions with values true and false on this machine.
std::vector<std::string> buildCases(const TempTree &tmp, MachineFacts &facts)
{
	std::vector<std::string> cases;
	auto add = [&](std::string_view key, std::string_view value) {
		cases.push_back(fmt::format("Condition{}={}", key, value));
	};

	// Paths, and directories and files made for the purpose.
	for (std::string_view p :
	     {"/etc", "/etc/passwd", "/nonexistent", "!/nonexistent", "|/etc", "/proc/self"})
		add("PathExists", p);
	add("PathExists", tmp.path("/dangling"));
	for (std::string_view p : {"/etc/pass*", "/nonexistent/*", "/etc/{passwd,nope}",
				   "/etc/[a-p]*", "/etc/*.nonexistent-suffix"})
		add("PathExistsGlob", p);
	for (std::string p : {std::string("/etc"), std::string("/etc/"), std::string("/etc/passwd"),
			      std::string("/nonexistent"), tmp.path("/empty")})
		add("PathIsDirectory", p);
	for (std::string p : {tmp.path("/empty"), tmp.path("/hidden"), tmp.path("/backups"),
			      tmp.path("/full"), tmp.path("/ignore-suffix"), tmp.path("/emptyfile"),
			      std::string("/etc"), std::string("/nonexistent")})
		add("DirectoryNotEmpty", p);
	for (std::string p : {tmp.path("/emptyfile"), tmp.path("/fullfile"), tmp.path("/full"),
			      std::string("/etc/passwd"), std::string("/nonexistent")})
		add("FileNotEmpty", p);

	// The running kernel's release, compared and globbed.
	struct utsname u;
	::uname(&u);
	std::string release = u.release;
	std::string major = release.substr(0, release.find('.'));
	std::string majorMinor = release.substr(0, release.find('.', release.find('.') + 1));
	std::string nextMajor = std::to_string(std::atoi(major.c_str()) + 1);
	for (const std::string &v : std::vector<std::string>{"=" + release,
							     "!=" + release,
							     ">=" + release,
							     ">" + release,
							     "<" + release,
							     "<=" + release,
							     "<>" + release,
							     ">=" + majorMinor,
							     "<" + majorMinor,
							     ">" + majorMinor,
							     "<" + nextMajor,
							     ">=1 <" + nextMajor,
							     ">=1 >" + nextMajor,
							     major + ".*",
							     "*",
							     std::string("1.*"),
							     "$=" + major + ".*",
							     "!$=" + major + ".*",
							     "> 1",
							     ">" + release + "~rc1",
							     "<" + release + ".1",
							     "=" + majorMinor,
							     "!" + release,
							     "<" + release + "^1",
							     "<" + release + "-1",
							     ">" + release + "-",
							     "<" + release + "a",
							     ">" + majorMinor + ".0",
							     ">" + majorMinor + "-rc1",
							     "<" + majorMinor + "~rc1"})
		add("KernelVersion", v);

	// Words of the command line as this machine has them: /proc/cmdline, and PID 1's
	// arguments (what systemd reads in a container), whole and as keys.
	std::vector<std::string> words = wordsOf(readAll("/proc/cmdline"));
	std::vector<std::string> pid1 = wordsOf(readAll("/proc/1/cmdline"));
	for (const std::vector<std::string> *list : {&words, &pid1}) {
		for (size_t i = 0; i < list->size() && i < 3; i++) {
			const std::string &w = (*list)[i];
			if (w.find_first_of(" \t") != std::string::npos)
				continue;
			add("KernelCommandLine", w);
			size_t eq = w.find('=');
			if (eq != std::string::npos && eq > 0)
				add("KernelCommandLine", w.substr(0, eq));
		}
	}
	for (std::string_view w :
	     {"quiet", "modloadd.no-such-word", "!modloadd.no-such-word", "console", "ro"})
		add("KernelCommandLine", w);

	// Virtualization by every kind of value.
	for (std::string_view v :
	     {"yes", "no", "vm", "container", "!container", "docker", "kvm", "qemu", "podman",
	      "microsoft", "oracle", "vm-other", "container-other", "systemd-nspawn"})
		add("Virtualization", v);
	if (facts.virtualization() != "none")
		add("Virtualization", facts.virtualization());

	for (std::string_view a : {"x86-64", "arm64", "native", "x86", "!arm64", "riscv64"})
		add("Architecture", a);

	for (std::string_view f :
	     {"uefi", "device-tree", "device-tree-compatible(foo,bar)",
	      "smbios-field(sys_vendor $= *)", "smbios-field(board_name = x)", "!uefi"})
		add("Firmware", f);

	for (std::string_view f :
	     {"sse2", "SSE2", "pclmul", "fma3", "osxsave", "lm", "sha_ni", "avx2", "constant_tsc",
	      "monitor", "avx512f", "hypervisor", "nonexistentflag", "!sse2"})
		add("CPUFeature", f);

	// The hostname as the kernel has it, another case of it, a glob, a wrong one; the
	// machine ID in both forms and a wrong one.
	std::string host = u.nodename;
	add("Host", host);
	add("Host", upper(host));
	add("Host", host.substr(0, 1) + "*");
	add("Host", "modloadd-no-such-host");
	add("Host", "!modloadd-no-such-host");
	if (const auto &id = facts.machineId()) {
		add("Host", *id);
		add("Host", fmt::format("{}-{}-{}-{}-{}", id->substr(0, 8), id->substr(8, 4),
					id->substr(12, 4), id->substr(16, 4), id->substr(20)));
		std::string wrong = *id;
		wrong[0] = wrong[0] == '0' ? '1' : '0';
		add("Host", wrong);
	}

	for (std::string_view m : {">1G", "<1G", ">=1K", "<1E", "1G 512M", "<=1.5G", "!<1G"})
		add("Memory", m);
	if (auto bytes = facts.memory()) {
		add("Memory", fmt::format("={}", *bytes));
		add("Memory", fmt::format("<{}", *bytes));
		add("Memory", fmt::format("<={}", *bytes));
	}

	for (std::string_view c : {">=1", ">1000", "1", "<1", "!=0"})
		add("CPUs", c);
	if (auto n = facts.cpus()) {
		add("CPUs", fmt::format("={}", *n));
		add("CPUs", fmt::format("<{}", *n));
		add("CPUs", fmt::format(">{}", *n - 1));
	}
	return cases;
}

} // namespace

int main()
{
	if (::access(kSystemdAnalyze, X_OK) != 0) {
		fmt::print("SKIP: {} is missing\n", kSystemdAnalyze);
		return 77;
	}

	TempTree tmp;
	tmp.mkdir("/empty");
	tmp.write("/hidden/.keep", "x");
	tmp.write("/backups/old.conf~", "x");
	tmp.write("/backups/x.dpkg-old", "x");
	tmp.write("/backups/lost+found", "x");
	tmp.write("/full/file.conf", "x");
	tmp.write("/ignore-suffix/x.ignore", "x");
	tmp.write("/emptyfile", "");
	tmp.write("/fullfile", "data\n");
	tmp.symlink("/nonexistent/target", "/dangling");

	MachineFacts facts("/");
	fmt::print("virtualization: {}, architecture: {}, kernel: {}\n", facts.virtualization(),
		   facts.architecture().value_or("?"), facts.kernelRelease().value_or("?"));

	std::vector<std::string> cases = buildCases(tmp, facts);
	unsigned mismatches = 0, differences = 0;
	for (const std::string &assignment : cases) {
		size_t eq = assignment.find('=');
		std::string key = assignment.substr(0, eq);
		std::string raw = assignment.substr(eq + 1);

		auto type = conditionTypeByName(key);
		std::string expected;
		auto c = type ? parseCondition(*type, raw, expected) : std::nullopt;
		if (!c) {
			fmt::print("MISMATCH {}: modloadd refuses it (expected {})\n", assignment,
				   expected);
			mismatches++;
			continue;
		}
		bool ours = testMachineCondition(*c, facts) != c->negate;

		Run run = runSystemdAnalyze(assignment);
		std::string line = firstLine(run.output);
		bool clean = (run.exitCode == 0 && endsWith(line, "succeeded.")) ||
			     (run.exitCode == 1 && endsWith(line, "failed.") &&
			      line.find("Couldn't determine") == std::string::npos);
		if (!clean) {
			fmt::print("MISMATCH {}: systemd-analyze exit {}: {}\n", assignment,
				   run.exitCode, line);
			mismatches++;
			continue;
		}
		bool theirs = run.exitCode == 0;
		if (ours == theirs) {
			fmt::print("ok       {} -> {}\n", assignment, ours ? "holds" : "fails");
			continue;
		}
		std::string flag = c->value;
		for (char &ch : flag)
			ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
		if (c->type == ConditionType::CPUFeature && !kSystemdCpuFlags.count(flag)) {
			fmt::print("known    {}: modloadd {}, systemd {} (not in systemd's CPUID "
				   "table; the kernel lists it)\n",
				   assignment, ours ? "holds" : "fails",
				   theirs ? "holds" : "fails");
			differences++;
			continue;
		}
		fmt::print("MISMATCH {}: modloadd {}, systemd {}\n", assignment,
			   ours ? "holds" : "fails", theirs ? "holds" : "fails");
		mismatches++;
	}
	if (differences)
		fmt::print("{} known differences (CPU flags outside systemd's table)\n",
			   differences);
	fmt::print("{} cases, {} mismatches\n", cases.size(), mismatches);
	return mismatches ? 1 : 0;
}
