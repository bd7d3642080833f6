// Reading an open file to its end with a bound: configuration files and sysfs attributes.
#pragma once

#include <cstddef>
#include <string>

namespace modloadd {

// Replaces `text` with everything `fd` has left to read. 0, or -errno (-EFBIG when the file
// holds more than `limit` bytes; EINTR is retried).
int readToEnd(int fd, size_t limit, std::string &text);

} // namespace modloadd
