// Naming a process from /proc.
#include "system/process_name.h"

#include <fmt/format.h>
#include <fstream>

namespace modloadd {

std::string describeProcess(pid_t pid)
{
	if (auto comm = processName(pid))
		return fmt::format("{}[{}]", *comm, pid);
	return fmt::format("PID {}", pid);
}

std::optional<std::string> processName(pid_t pid)
{
	std::ifstream in(fmt::format("/proc/{}/comm", pid));
	std::string comm;
	if (std::getline(in, comm) && !comm.empty())
		return comm;
	return std::nullopt;
}

} // namespace modloadd
