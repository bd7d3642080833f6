// The read loop shared by every bounded file reader.
#include "base/read_to_end.h"

#include <cerrno>
#include <unistd.h>

namespace modloadd {

int readToEnd(int fd, size_t limit, std::string &text)
{
	text.clear();
	char buf[64 * 1024];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return 0;
		if (text.size() + static_cast<size_t>(n) > limit)
			return -EFBIG;
		text.append(buf, static_cast<size_t>(n));
	}
}

} // namespace modloadd
