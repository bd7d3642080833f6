// Structured logging through sd_journal_sendv, or plain lines on stderr.
#include "base/journal.h"

#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/uio.h>
// We send CODE_FILE/LINE/FUNC of the caller ourselves; without this the header's macros would add
// this file's location as a second set.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

namespace modloadd {

std::string LogRecord::field(std::string_view name) const
{
	for (const LogField &f : fields)
		if (f.name == name)
			return f.value;
	return {};
}

LogTarget Journal::autoTarget()
{
	// systemd sets JOURNAL_STREAM=DEV:INODE for the stream it connected stderr to.
	const char *stream = getenv("JOURNAL_STREAM");
	struct stat st;
	if (!stream || fstat(STDERR_FILENO, &st) < 0)
		return LogTarget::Console;
	unsigned long long dev = 0, ino = 0;
	if (sscanf(stream, "%llu:%llu", &dev, &ino) != 2)
		return LogTarget::Console;
	return st.st_dev == dev && st.st_ino == ino ? LogTarget::Journal : LogTarget::Console;
}

void Journal::send(int priority, std::vector<LogField> fields, std::string message, Place where)
{
	if (priority > maxPriority_ && target_ != LogTarget::Memory)
		return;
	LogRecord rec{priority,	  std::move(message), std::move(fields),
		      where.file, where.line,	      where.function};

	switch (target_) {
	case LogTarget::Journal: {
		std::vector<std::string> lines;
		lines.reserve(rec.fields.size() + 5);
		lines.push_back("MESSAGE=" + rec.message);
		lines.push_back(fmt::format("PRIORITY={}", rec.priority));
		lines.push_back("CODE_FILE=" + rec.codeFile);
		lines.push_back(fmt::format("CODE_LINE={}", rec.codeLine));
		lines.push_back("CODE_FUNC=" + rec.codeFunc);
		for (const LogField &f : rec.fields)
			lines.push_back(f.name + "=" + f.value);
		std::vector<iovec> iov;
		iov.reserve(lines.size());
		for (std::string &l : lines)
			iov.push_back({l.data(), l.size()});
		sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
		break;
	}
	case LogTarget::Console: {
		std::string line = fmt::format("modloadd: {}\n", rec.message);
		std::lock_guard guard(lock_);
		fputs(line.c_str(), stderr);
		break;
	}
	case LogTarget::Memory: {
		std::lock_guard guard(lock_);
		records_.push_back(std::move(rec));
		break;
	}
	}
}

std::vector<LogRecord> Journal::records() const
{
	std::lock_guard guard(lock_);
	return records_;
}

} // namespace modloadd
