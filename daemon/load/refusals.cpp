// The refusal memory on /run.
#include "load/refusals.h"

#include "base/handles.h"

#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace modloadd {

namespace {

constexpr const char *kEarlier = "refused by the kernel earlier in this boot";

} // namespace

std::unordered_map<std::string, Outcome> Refusals::read() const
{
	std::unordered_map<std::string, Outcome> out;
	std::ifstream in(path_);
	std::string line;
	while (std::getline(in, line)) {
		std::istringstream fields(line);
		std::string name, kind;
		int err = 0;
		if (!(fields >> name >> kind >> err) || err <= 0 || err > 4095)
			continue;
		OutcomeKind k = kind == "no-device" ? OutcomeKind::NoDevice : OutcomeKind::Failed;
		out[name] = Outcome{k, err, kEarlier, {}};
	}
	return out;
}

bool Refusals::isRefusal(const Outcome &outcome)
{
	return (outcome.kind == OutcomeKind::NoDevice || outcome.kind == OutcomeKind::Failed) &&
	       outcome.cause.empty();
}

void Refusals::remember(const std::string &name, const Outcome &outcome) const
{
	if (!isRefusal(outcome))
		return;
	std::error_code ec;
	std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
	// O_APPEND: each line lands whole, whatever else is written.
	UniqueFd fd(open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
	if (!fd.valid())
		return;
	std::string line = fmt::format(
		"{} {} {}\n", name, outcome.kind == OutcomeKind::NoDevice ? "no-device" : "failed",
		outcome.err);
	(void)!write(fd.get(), line.data(), line.size());
}

} // namespace modloadd
