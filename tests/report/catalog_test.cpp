// The journal catalog (docs/modloadd.catalog) explains every MESSAGE_ID the daemon sends, and
// only those, in the format journalctl --update-catalog reads.
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "report/message_ids.h"

using namespace modloadd;

namespace {

struct CatalogEntry {
	std::string id;
	unsigned line = 0;
	std::map<std::string, std::string> headers; // Subject:, Defined-By:, ... before the body
	std::string body;
};

struct Catalog {
	std::vector<CatalogEntry> entries;
	std::vector<std::string> problems;
};

bool isId(std::string_view s)
{
	return s.size() == 32 &&
	       s.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

// Splits an entry's text as journalctl does: "Key: value" lines up to the first empty line are
// its headers, the rest its body.
void splitPayload(CatalogEntry &e, const std::string &payload)
{
	std::istringstream in(payload);
	std::string line;
	bool inHeaders = true;
	while (std::getline(in, line)) {
		if (inHeaders && line.empty()) {
			inHeaders = false;
			continue;
		}
		size_t colon = line.find(':');
		if (inHeaders && colon != std::string::npos && colon > 0 &&
		    line.find(' ') > colon) {
			size_t value = line.find_first_not_of(' ', colon + 1);
			e.headers[line.substr(0, colon)] =
				value == std::string::npos ? "" : line.substr(value);
		} else {
			inHeaders = false;
			e.body += line + "\n";
		}
	}
}

// The rules of systemd's catalog_import_file() (src/libsystemd/sd-journal/catalog.c): lines
// starting with # or ; are comments wherever they are; "-- ID" starts an entry only at the top
// of the file or after an empty line (otherwise it is text of the entry before); text before
// the first ID is an error, and so is an entry without text. Besides those, a problem for us:
// a line that looks like an entry's start but is taken as text, and a comment inside an
// entry's text (journalctl drops it silently).
Catalog parseCatalog(std::istream &in)
{
	Catalog c;
	std::string line, payload;
	bool emptyLine = true, gotId = false;
	unsigned n = 0;
	auto finish = [&] {
		if (!gotId)
			return;
		if (payload.empty())
			c.problems.push_back(
				fmt::format("line {}: no payload text", c.entries.back().line));
		splitPayload(c.entries.back(), payload);
		payload.clear();
	};
	while (std::getline(in, line)) {
		n++;
		if (line.empty()) {
			emptyLine = true;
			continue;
		}
		if (line[0] == '#' || line[0] == ';') {
			if (gotId && !emptyLine)
				c.problems.push_back(fmt::format(
					"line {}: a comment inside an entry's text", n));
			continue;
		}
		bool looksLikeStart = line.size() >= 35 && line.compare(0, 3, "-- ") == 0 &&
				      (line.size() == 35 || line[35] == ' ') &&
				      isId(std::string_view(line).substr(3, 32));
		if (looksLikeStart && emptyLine) {
			finish();
			c.entries.push_back({line.substr(3, 32), n, {}, {}});
			gotId = true;
			emptyLine = false;
			continue;
		}
		if (looksLikeStart)
			c.problems.push_back(fmt::format(
				"line {}: an entry's start without an empty line before it", n));
		if (!gotId) {
			c.problems.push_back(fmt::format("line {}: payload before ID", n));
			continue;
		}
		if (emptyLine && !payload.empty())
			payload += '\n';
		payload += line + "\n";
		emptyLine = false;
	}
	finish();
	return c;
}

Catalog parseCatalogText(const std::string &text)
{
	std::istringstream in(text);
	return parseCatalog(in);
}

} // namespace

TEST_CASE("given catalog texts, the parser should read them as journalctl does")
{
	Catalog good =
		parseCatalogText("# comment\n\n-- 0123456789abcdef0123456789abcdef\n"
				 "Subject: One\nDefined-By: modloadd\n\nFirst line.\n\n"
				 "Second paragraph.\n\n"
				 "-- fedcba9876543210fedcba9876543210\nSubject: Two\n\nText.\n");
	CHECK(good.problems.empty());
	REQUIRE(good.entries.size() == 2);
	CHECK(good.entries[0].headers["Subject"] == "One");
	CHECK(good.entries[0].headers["Defined-By"] == "modloadd");
	CHECK(good.entries[0].body == "First line.\n\nSecond paragraph.\n");
	CHECK(good.entries[1].headers["Subject"] == "Two");

	// journalctl takes the second start as text of the first entry: its ID is lost.
	Catalog glued = parseCatalogText("-- 0123456789abcdef0123456789abcdef\nSubject: One\n\n"
					 "Text.\n-- fedcba9876543210fedcba9876543210\n"
					 "Subject: Two\n\nText.\n");
	CHECK(glued.entries.size() == 1);
	CHECK(glued.problems.size() == 1);

	CHECK(parseCatalogText("Text first.\n").problems.size() == 1);
	CHECK(parseCatalogText("-- 0123456789abcdef0123456789abcdef\n\n").problems.size() == 1);
	CHECK(parseCatalogText("-- 0123456789abcdef0123456789abcdef\nSubject: A\n\nText\n"
			       "# dropped\nmore\n")
		      .problems.size() == 1);
}

TEST_CASE("given the catalog, every message ID should have one entry with a subject")
{
	const char *path = getenv("MODLOADD_CATALOG");
	REQUIRE(path);
	std::ifstream in(path);
	REQUIRE(in);
	Catalog catalog = parseCatalog(in);
	for (const std::string &p : catalog.problems)
		FAIL_CHECK(p);

	std::multiset<std::string> entries;
	for (const CatalogEntry &e : catalog.entries) {
		INFO(e.id << " at line " << e.line);
		entries.insert(e.id);
		CHECK(e.headers.count("Subject") == 1);
		CHECK((e.headers.count("Defined-By") && e.headers.at("Defined-By") == "modloadd"));
		CHECK(e.headers.count("Documentation") == 1);
		CHECK(!e.body.empty());
	}
	std::set<std::string> ids;
	for (std::string_view id : message_id::kAll) {
		INFO(id);
		ids.insert(std::string(id));
		CHECK(entries.count(std::string(id)) == 1);
	}
	CHECK(ids.size() == std::size(message_id::kAll)); // no ID used twice
	for (const std::string &id : entries) {
		INFO(id);
		CHECK(ids.count(id) == 1); // no entry for an ID nothing sends
	}
}

TEST_CASE("given message_ids.h, every ID it defines should be in its list of all")
{
	const char *path = getenv("MODLOADD_MESSAGE_IDS");
	REQUIRE(path);
	std::ifstream in(path);
	REQUIRE(in);
	std::stringstream text;
	text << in.rdbuf();
	std::string s = text.str();
	std::set<std::string> defined;
	const std::regex literal("\"([0-9a-f]{32})\"");
	for (auto it = std::sregex_iterator(s.begin(), s.end(), literal);
	     it != std::sregex_iterator(); ++it)
		defined.insert((*it)[1]);
	std::set<std::string> all(std::begin(message_id::kAll), std::end(message_id::kAll));
	CHECK(defined == all);
}
