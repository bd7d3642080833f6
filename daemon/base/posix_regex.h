// A compiled POSIX regular expression (regex(3)), released with regfree() when it goes.
#pragma once

#include <regex.h>
#include <string>

namespace modloadd {

class PosixRegex {
public:
	// An extended regular expression; valid() says whether it compiled.
	explicit PosixRegex(const std::string &pattern)
	    : valid_(regcomp(&re_, pattern.c_str(), REG_EXTENDED | REG_NOSUB) == 0)
	{
	}
	PosixRegex(const PosixRegex &) = delete;
	PosixRegex &operator=(const PosixRegex &) = delete;
	~PosixRegex()
	{
		if (valid_)
			regfree(&re_);
	}

	bool valid() const { return valid_; }
	// Whether it matches anywhere in TEXT (regexec, unanchored).
	bool search(const std::string &text) const
	{
		return valid_ && regexec(&re_, text.c_str(), 0, nullptr, 0) == 0;
	}

private:
	regex_t re_{};
	bool valid_;
};

} // namespace modloadd
