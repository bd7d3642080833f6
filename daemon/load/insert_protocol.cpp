// Packing a LoadJob into one packet and back.
#include "load/insert_protocol.h"

#include <array>

namespace modloadd {

std::string encodeInsertRequest(const InsertRequest &request)
{
	const LoadJob &job = request.job;
	std::string packet;
	for (const std::string *field :
	     {&job.name, &job.path, &job.options, &job.installCommand, &request.refusals}) {
		packet += *field;
		packet += '\0';
	}
	return packet;
}

std::optional<InsertRequest> decodeInsertRequest(std::string_view packet)
{
	std::array<std::string, 5> fields;
	for (std::string &field : fields) {
		size_t end = packet.find('\0');
		if (end == std::string_view::npos)
			return std::nullopt;
		field = packet.substr(0, end);
		packet.remove_prefix(end + 1);
	}
	if (!packet.empty() || fields[0].empty() || (fields[1].empty() && fields[3].empty()))
		return std::nullopt;
	return InsertRequest{LoadJob{std::move(fields[0]), std::move(fields[1]),
				     std::move(fields[2]), std::move(fields[3])},
			     std::move(fields[4])};
}

} // namespace modloadd
