// The refusal memory on /run.
#include "load/refusals.h"

#include "base/handles.h"
#include "load/insert_result.h"

#include <array>
#include <cerrno>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace modloadd {

namespace {

constexpr const char *kEarlier = "refused by the kernel earlier in this boot";

// The answers of init_module/finit_module that the same module file gets again until the next
// boot (kernel/module/ of Linux 6.1, from our reading of it, not checked against every version):
// - ENODEV, ENXIO: the driver's init found no hardware it drives;
// - ENOEXEC: not a module of this kernel (ELF checks, vermagic and modinfo);
// - EKEYREJECTED: the signature does not verify, or an unsigned module under sig_enforce;
//   EBADMSG: the signature is malformed.
// The kernel's own blacklist (module_blacklist=, EPERM) needs no memory: every start reads it from
// the command line and settles those modules without an attempt (resolve/module_graph.cpp). EPERM
// is not remembered either: a daemon without CAP_SYS_MODULE gets it too, and a restart with the
// capability must try again.
// - EINVAL: the module refused its parameters (or its image is malformed): the same answer for
//   the same options, so it is remembered with them and holds only while modprobe.d and the
//   command line give the module the same options.
// Anything else (ENOMEM, EBUSY, EIO from a driver's init, a timeout) may go the other way on the
// next attempt.
struct PermanentKind {
	std::string_view word;
	OutcomeKind kind;
	int err;
};

constexpr std::array kPermanent{
	PermanentKind{"no-device", OutcomeKind::NoDevice, ENODEV},
	PermanentKind{"no-device", OutcomeKind::NoDevice, ENXIO},
	PermanentKind{"invalid", OutcomeKind::Failed, ENOEXEC},
	PermanentKind{"signature", OutcomeKind::Failed, EKEYREJECTED},
	PermanentKind{"signature", OutcomeKind::Failed, EBADMSG},
	PermanentKind{"parameters", OutcomeKind::Failed, EINVAL},
};

bool withOptions(std::string_view word)
{
	return word == "parameters";
}

} // namespace

std::optional<std::string_view> Refusals::permanentKind(const Outcome &outcome)
{
	if (!outcome.cause.empty())
		return std::nullopt;
	for (const PermanentKind &p : kPermanent)
		if (p.kind == outcome.kind && p.err == outcome.err)
			return p.word;
	return std::nullopt;
}

std::unordered_map<std::string, Outcome> Refusals::read() const
{
	std::unordered_map<std::string, Outcome> out;
	std::ifstream in(path_);
	std::string line;
	while (std::getline(in, line)) {
		std::istringstream fields(line);
		std::string name, word;
		int err = 0;
		if (!(fields >> name >> word >> err))
			continue;
		std::string options;
		if (withOptions(word)) {
			fields.get(); // the one space before the options
			std::getline(fields, options);
		}
		for (const PermanentKind &p : kPermanent)
			if (p.word == word && p.err == err)
				out[withOptions(word) ? keyWithOptions(name, options) : name] =
					Outcome{p.kind, err, kEarlier, {}};
	}
	return out;
}

std::string Refusals::keyWithOptions(const std::string &name, const std::string &options)
{
	return name + '\n' + options;
}

void Refusals::remember(const std::string &name, const std::string &options,
			const Outcome &outcome) const
{
	std::optional<std::string_view> word = permanentKind(outcome);
	if (!word)
		return;
	std::error_code ec;
	std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
	// O_APPEND: each line lands whole, whatever else is written.
	UniqueFd fd(open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
	if (!fd.valid())
		return;
	std::string line = withOptions(*word)
				   ? fmt::format("{} {} {} {}\n", name, *word, outcome.err, options)
				   : fmt::format("{} {} {}\n", name, *word, outcome.err);
	(void)!write(fd.get(), line.data(), line.size());
}

void Refusals::rememberAnswer(const std::string &name, const std::string &options, int r) const
{
	remember(name, options, classifyInsertResult(initAnsweredTaken(name, r) ? -ENODEV : r));
}

} // namespace modloadd
