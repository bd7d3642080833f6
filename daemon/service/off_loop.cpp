// The eventfd behind OffLoop.
#include "service/off_loop.h"

#include <cerrno>
#include <cstdint>
#include <sys/eventfd.h>
#include <unistd.h>

namespace modloadd {

int makeWakeupFd()
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	return fd < 0 ? -errno : fd;
}

void signalWakeup(int fd)
{
	uint64_t one = 1;
	(void)!write(fd, &one, sizeof one);
}

void drainWakeup(int fd)
{
	uint64_t count = 0;
	(void)!read(fd, &count, sizeof count);
}

} // namespace modloadd
