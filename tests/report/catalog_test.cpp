// The journal catalog (docs/modloadd.catalog) explains every MESSAGE_ID the daemon sends, and
// only those, in the format journalctl --update-catalog reads.
#include <catch2/catch.hpp>

#include <fstream>
#include <regex>
#include <set>
#include <string>

#include "report/message_ids.h"

using namespace modloadd;

TEST_CASE("given the catalog, every message ID should have one entry with a subject")
{
	const char *path = getenv("MODLOADD_CATALOG");
	REQUIRE(path);
	std::ifstream in(path);
	REQUIRE(in);
	std::multiset<std::string> entries;
	std::set<std::string> withSubject;
	std::string line, current;
	const std::regex header("-- ([0-9a-f]{32})");
	while (std::getline(in, line)) {
		std::smatch m;
		if (std::regex_match(line, m, header)) {
			current = m[1];
			entries.insert(current);
		} else if (!current.empty() && line.rfind("Subject: ", 0) == 0) {
			withSubject.insert(current);
		}
	}
	std::set<std::string> ids;
	for (std::string_view id : message_id::kAll) {
		INFO(id);
		ids.insert(std::string(id));
		CHECK(entries.count(std::string(id)) == 1);
		CHECK(withSubject.count(std::string(id)) == 1);
	}
	CHECK(ids.size() == std::size(message_id::kAll)); // no ID used twice
	for (const std::string &id : entries) {
		INFO(id);
		CHECK(ids.count(id) == 1); // no entry for an ID nothing sends
	}
}
