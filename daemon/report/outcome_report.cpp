// Journal entries for outcomes: MODLOADD_* fields, MESSAGE_ID, and a sentence a person reads.
#include "report/outcome_report.h"

#include "config/conf_files.h"
#include "report/message_ids.h"

#include <cstring>
#include <fmt/format.h>

namespace modloadd {

namespace {

std::string describeOrigins(const PlannedModule &m)
{
	if (m.origins.empty())
		return {};
	if (m.origins.size() == 1)
		return fmt::format(" ({})", m.origins.front());
	return fmt::format(" ({} and {} more)", m.origins.front(), m.origins.size() - 1);
}

} // namespace

void reportOutcome(Journal &journal, const PlannedModule &module, const Outcome &outcome)
{
	int priority = LOG_DEBUG;
	std::string_view id;
	std::string text;
	std::string origins = describeOrigins(module);
	std::string cause = outcome.cause.empty() ? "" : fmt::format(": {}", outcome.cause);

	switch (outcome.kind) {
	case OutcomeKind::Inserted:
		priority = LOG_INFO;
		id = message_id::kInserted;
		text = module.installCommand.empty()
			       ? fmt::format("Inserted module '{}'{}", module.name, origins)
			       : fmt::format("Ran the modprobe.d install command for module '{}' "
					     "('{}'){}",
					     module.name, module.installCommand, origins);
		break;
	case OutcomeKind::AlreadyLoaded:
		id = message_id::kAlreadyLoaded;
		text = fmt::format("Module '{}' is already loaded{}", module.name, origins);
		break;
	case OutcomeKind::Builtin:
		id = message_id::kBuiltin;
		text = fmt::format("Module '{}' is built into the kernel{}", module.name, origins);
		break;
	case OutcomeKind::Blacklisted:
		priority = LOG_INFO;
		id = message_id::kBlacklisted;
		text = fmt::format("Module '{}' is not loaded{}{}", module.name, cause, origins);
		break;
	case OutcomeKind::NotFound:
		priority = LOG_WARNING;
		id = message_id::kNotFound;
		text = fmt::format("Module '{}' not found{}{}, ignoring", module.name, cause,
				   origins);
		break;
	case OutcomeKind::NoDevice:
		priority = LOG_NOTICE;
		id = message_id::kNoDevice;
		text = fmt::format("Module '{}' found no device to drive{}{}", module.name, cause,
				   origins);
		break;
	case OutcomeKind::Failed:
		priority = LOG_ERR;
		id = message_id::kFailed;
		// A failure inherited from a dependency was never attempted: say so.
		text = outcome.cause.empty()
			       ? fmt::format("Failed to insert module '{}': {}{}", module.name,
					     strerror(outcome.err), origins)
			       : fmt::format("Did not insert module '{}': {} ({}){}", module.name,
					     outcome.cause, strerror(outcome.err), origins);
		if (!outcome.kernelMessage.empty())
			text += fmt::format(" — kernel: {}", outcome.kernelMessage);
		break;
	case OutcomeKind::TimedOut:
		priority = LOG_ERR;
		id = message_id::kTimedOut;
		text = fmt::format("Inserting module '{}' timed out{}; going on without it{}",
				   module.name, cause, origins);
		if (!outcome.kernelMessage.empty())
			text += fmt::format(" — kernel so far: {}", outcome.kernelMessage);
		break;
	}

	std::vector<LogField> fields;
	fields.push_back({"MESSAGE_ID", std::string(id)});
	fields.push_back({"MODLOADD_MODULE", module.name});
	fields.push_back({"MODLOADD_OUTCOME", std::string(outcomeName(outcome.kind))});
	for (const std::string &o : module.origins)
		fields.push_back({"MODLOADD_ORIGIN", o});
	for (const DeviceRef &d : module.devices) {
		fields.push_back({"MODLOADD_DEVPATH", d.devpath});
		if (!d.modalias.empty())
			fields.push_back({"MODLOADD_MODALIAS", d.modalias});
	}
	if (!module.displayPath.empty())
		fields.push_back({"MODLOADD_PATH", module.displayPath});
	if (!module.options.empty())
		fields.push_back({"MODLOADD_OPTIONS", module.options});
	if (!module.installCommand.empty())
		fields.push_back({"MODLOADD_INSTALL_COMMAND", module.installCommand});
	if (!outcome.cause.empty())
		fields.push_back({"MODLOADD_CAUSE", outcome.cause});
	if (!module.deniedBy.empty())
		fields.push_back({"MODLOADD_DENIED_BY", module.deniedBy});
	if (!outcome.kernelMessage.empty())
		fields.push_back({"MODLOADD_KERNEL_MESSAGE", outcome.kernelMessage});
	if (outcome.err)
		fields.push_back({"ERRNO", fmt::format("{}", outcome.err)});
	journal.send(priority, std::move(fields), std::move(text));
}

void reportFinishedLate(Journal &journal, const PlannedModule &module, const Outcome &outcome)
{
	bool ok = isSuccess(outcome.kind) || outcome.kind == OutcomeKind::NoDevice;
	std::string text =
		ok ? fmt::format("Module '{}' finished initialising after its timeout: {}",
				 module.name, outcomeName(outcome.kind))
		   : fmt::format("Module '{}' failed after its timeout: {}", module.name,
				 strerror(outcome.err));
	if (!outcome.kernelMessage.empty())
		text += fmt::format(" — kernel: {}", outcome.kernelMessage);
	std::vector<LogField> fields{{"MESSAGE_ID", std::string(message_id::kFinishedLate)},
				     {"MODLOADD_MODULE", module.name},
				     {"MODLOADD_OUTCOME", std::string(outcomeName(outcome.kind))},
				     {"MODLOADD_LATE", "1"}};
	if (!outcome.kernelMessage.empty())
		fields.push_back({"MODLOADD_KERNEL_MESSAGE", outcome.kernelMessage});
	if (outcome.err)
		fields.push_back({"ERRNO", fmt::format("{}", outcome.err)});
	journal.send(ok ? LOG_NOTICE : LOG_ERR, std::move(fields), std::move(text));
}

void reportDiagnostics(Journal &journal, const Diagnostics &diagnostics, int priority,
		       std::string_view messageId)
{
	for (const Diagnostic &d : diagnostics) {
		std::string where = diagnosticLocation(d);
		if (!where.empty())
			where += ": ";
		std::vector<LogField> fields{{"MESSAGE_ID", std::string(messageId)}};
		if (!d.file.empty())
			fields.push_back({"CONFIG_FILE", d.file});
		if (d.line)
			fields.push_back({"CONFIG_LINE", fmt::format("{}", d.line)});
		journal.send(priority, std::move(fields), where + d.message);
	}
}

} // namespace modloadd
