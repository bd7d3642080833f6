// sd_notify(3) messages.
#include "report/notify.h"

#include <fmt/format.h>
#include <string>
#include <systemd/sd-daemon.h>

namespace modloadd {

namespace {

void send(const std::string &message)
{
	sd_notify(0, message.c_str());
}

} // namespace

void notifyStatus(std::string_view status)
{
	send(fmt::format("STATUS={}", status));
}

void notifyReady(std::string_view status)
{
	send(fmt::format("READY=1\nSTATUS={}", status));
}

void notifyReloading(uint64_t monotonicUsec)
{
	send(fmt::format("RELOADING=1\nMONOTONIC_USEC={}\nSTATUS=Reloading the configuration",
			 monotonicUsec));
}

void notifyStopping()
{
	send("STOPPING=1");
}

} // namespace modloadd
