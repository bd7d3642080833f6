// The one logging entry point: structured records to the journal, the console, or memory.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <syslog.h>
#include <vector>

namespace modloadd {

struct LogField {
	std::string name; // upper case, as journal fields are: MODLOADD_MODULE, ERRNO, ...
	std::string value;
};

struct LogRecord {
	int priority = LOG_INFO;
	std::string message;
	std::vector<LogField> fields;
	std::string codeFile;
	unsigned codeLine = 0;
	std::string codeFunc;

	// The first value of a field, or empty.
	std::string field(std::string_view name) const;
};

enum class LogTarget {
	Journal, // sd_journal_send with every field
	Console, // "modloadd: message" on stderr
	Memory,	 // kept for tests
};

// Thread-safe. Under systemd (stderr connected to the journal) `Auto` picks the journal.
class Journal {
public:
	explicit Journal(LogTarget target, int maxPriority = LOG_INFO)
	    : target_(target), maxPriority_(maxPriority)
	{
	}

	// journal when stderr is the journal stream ($JOURNAL_STREAM, as systemd sets it),
	// console otherwise.
	static LogTarget autoTarget();

	// Where a record was sent from: the caller's place, for CODE_FILE=, CODE_LINE= and
	// CODE_FUNC=. The compilers' builtins rather than std::source_location, which clang 14
	// (the fuzzing build's compiler) cannot build with GCC 12's standard library.
	struct Place {
		const char *file;
		unsigned line;
		const char *function;

		// The builtins in a default argument name the place that calls here(): as the
		// default of send()'s argument, send()'s caller.
		static constexpr Place here(const char *file = __builtin_FILE(),
					    unsigned line = __builtin_LINE(),
					    const char *function = __builtin_FUNCTION())
		{
			return {file, line, function};
		}
	};

	void send(int priority, std::vector<LogField> fields, std::string message,
		  Place where = Place::here());

	std::vector<LogRecord> records() const;
	LogTarget target() const { return target_; }

private:
	LogTarget target_;
	int maxPriority_;
	mutable std::mutex lock_;
	std::vector<LogRecord> records_;
};

} // namespace modloadd
