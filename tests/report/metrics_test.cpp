// The metrics textfile: the Prometheus text format (0.0.4) as node_exporter's textfile
// collector reads it, checked by a parser of the format's rules, and its atomic replacement.
#include "report/metrics.h"
#include "temp_tree.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <sys/stat.h>

using namespace modloadd;
using namespace modloadd::testing;

namespace {

struct Sample {
	std::string name;
	std::map<std::string, std::string> labels;
	double value = 0;
};

struct Exposition {
	std::map<std::string, std::string> types; // family -> type
	std::map<std::string, std::string> help;
	std::vector<Sample> samples;
	std::vector<std::string> problems;

	double value(const std::string &name, const std::map<std::string, std::string> &labels = {})
	{
		for (const Sample &s : samples)
			if (s.name == name && s.labels == labels)
				return s.value;
		return NAN;
	}
};

bool parseValue(const std::string &text, double &out)
{
	if (text == "+Inf" || text == "Inf") {
		out = INFINITY;
		return true;
	}
	if (text == "-Inf" || text == "NaN") {
		out = text == "NaN" ? NAN : -INFINITY;
		return true;
	}
	static const std::regex number(R"([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?)");
	if (!std::regex_match(text, number))
		return false;
	out = std::stod(text);
	return true;
}

// The family a sample belongs to, given the types declared: a histogram's _bucket, _sum and
// _count samples belong to it; any other sample to its own name.
std::string familyOf(const std::string &name, const std::map<std::string, std::string> &types)
{
	for (const char *suffix : {"_bucket", "_sum", "_count"}) {
		std::string s(suffix);
		if (name.size() > s.size() &&
		    name.compare(name.size() - s.size(), s.size(), s) == 0) {
			std::string base = name.substr(0, name.size() - s.size());
			auto t = types.find(base);
			if (t != types.end() &&
			    (t->second == "histogram" || t->second == "summary"))
				return base;
		}
	}
	return name;
}

// The rules of the text format (prometheus/docs, "Exposition formats"), and ours: every line
// ends with a newline; # HELP and # TYPE name a family once each, TYPE before its first sample;
// names [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, label values quoted with
// \\ \" \n escapes; a family's samples together; no series twice; values Go floats. Ours:
// every family has HELP and TYPE and the modloadd_ prefix, counters end in _total, a
// histogram's buckets rise with le, are cumulative, and end with le="+Inf" equal to _count.
Exposition parseExposition(const std::string &text)
{
	Exposition e;
	auto problem = [&](const std::string &p) { e.problems.push_back(p); };
	if (text.empty() || text.back() != '\n')
		problem("the text does not end with a newline");
	static const std::regex meta(R"(# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*))");
	static const std::regex sample(R"(([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ([^ ]+)( -?\d+)?)");
	static const std::regex label(
		R"lbl(([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$))lbl");
	std::set<std::string> seenSeries, closedFamilies;
	std::string currentFamily;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line)) {
		std::smatch m;
		if (line.empty()) {
			problem("an empty line");
			continue;
		}
		if (line[0] == '#') {
			if (!std::regex_match(line, m, meta))
				continue; // a comment
			std::string family = m[2];
			if (m[1] == "TYPE") {
				static const std::set<std::string> types = {
					"counter", "gauge", "histogram", "summary", "untyped"};
				if (!types.count(m[3]))
					problem("unknown type: " + line);
				if (e.types.count(family))
					problem("a second TYPE for " + family);
				for (const Sample &s : e.samples)
					if (s.name.rfind(family, 0) == 0 &&
					    familyOf(s.name, {{family, m[3]}}) == family)
						problem("TYPE after samples of " + family);
				e.types[family] = m[3];
			} else {
				if (e.help.count(family))
					problem("a second HELP for " + family);
				e.help[family] = m[3];
			}
			continue;
		}
		if (!std::regex_match(line, m, sample)) {
			problem("not a sample: " + line);
			continue;
		}
		Sample s;
		s.name = m[1];
		std::string labels = m[3];
		for (auto it = std::sregex_iterator(labels.begin(), labels.end(), label);
		     it != std::sregex_iterator(); ++it) {
			if (it->position() != 0 &&
			    labels[static_cast<size_t>(it->position()) - 1] != ',')
				problem("labels run together: " + line);
			if (s.labels.count((*it)[1]))
				problem("a label twice: " + line);
			s.labels[(*it)[1]] = (*it)[2];
		}
		std::string rebuilt;
		for (auto it = std::sregex_iterator(labels.begin(), labels.end(), label);
		     it != std::sregex_iterator(); ++it)
			rebuilt += it->str();
		if (rebuilt != labels)
			problem("bad labels: " + line);
		if (!parseValue(m[4], s.value))
			problem("bad value: " + line);
		std::string family = familyOf(s.name, e.types);
		if (!e.types.count(family))
			problem("a sample before its TYPE: " + line);
		if (family != currentFamily) {
			if (closedFamilies.count(family))
				problem("samples of " + family + " apart");
			closedFamilies.insert(currentFamily);
			currentFamily = family;
		}
		std::string series = s.name + "{" + labels + "}";
		if (!seenSeries.insert(series).second)
			problem("a series twice: " + series);
		e.samples.push_back(s);
	}
	for (const auto &[family, type] : e.types) {
		if (family.rfind("modloadd_", 0) != 0)
			problem("no modloadd_ prefix: " + family);
		if (!e.help.count(family))
			problem("no HELP for " + family);
		if (type == "counter" &&
		    (family.size() < 6 || family.compare(family.size() - 6, 6, "_total") != 0))
			problem("a counter not ending in _total: " + family);
		if (type != "histogram")
			continue;
		double last = -INFINITY, lastCount = 0;
		bool sawInf = false;
		for (const Sample &s : e.samples) {
			if (s.name != family + "_bucket")
				continue;
			double le = 0;
			if (!s.labels.count("le") || !parseValue(s.labels.at("le"), le))
				problem("a bucket without le");
			if (le <= last)
				problem("buckets not rising with le in " + family);
			if (s.value < lastCount)
				problem("buckets not cumulative in " + family);
			last = le;
			lastCount = s.value;
			sawInf = std::isinf(le);
		}
		if (!sawInf)
			problem("no le=\"+Inf\" bucket last in " + family);
		if (e.value(family + "_count") != lastCount)
			problem("+Inf bucket and _count differ in " + family);
		if (std::isnan(e.value(family + "_sum")))
			problem("no _sum in " + family);
	}
	for (const std::string &p : e.problems)
		UNSCOPED_INFO(p);
	return e;
}

MetricsSnapshot someRun()
{
	MetricsSnapshot s;
	s.outcomes[static_cast<size_t>(OutcomeKind::Inserted)] = 3;
	s.outcomes[static_cast<size_t>(OutcomeKind::Failed)] = 1;
	s.outcomes[static_cast<size_t>(OutcomeKind::AlreadyLoaded)] = 12;
	for (double seconds : {0.001, 0.2, 0.3, 45.0})
		s.durations.add(seconds);
	UeventCounters c;
	c.received = 10;
	c.accepted = 7;
	c.spoofed = 2;
	c.malformed = 1;
	c.overflows = 1;
	s.uevents = c;
	s.rescans = 1;
	s.reloads = 2;
	s.ready = true;
	s.settled = true;
	s.startTime = 1764950000.75;
	return s;
}

} // namespace

TEST_CASE("given a run, the metrics should be valid text format with its counts")
{
	std::string text = formatMetrics(someRun());
	INFO(text);
	Exposition e = parseExposition(text);
	CHECK(e.problems.empty());
	CHECK(e.types["modloadd_modules_total"] == "counter");
	CHECK(e.value("modloadd_modules_total", {{"outcome", "inserted"}}) == 3);
	CHECK(e.value("modloadd_modules_total", {{"outcome", "already_loaded"}}) == 12);
	CHECK(e.value("modloadd_modules_total", {{"outcome", "failed"}}) == 1);
	CHECK(e.value("modloadd_modules_total", {{"outcome", "timed_out"}}) == 0);
	CHECK(e.types["modloadd_insert_duration_seconds"] == "histogram");
	CHECK(e.value("modloadd_insert_duration_seconds_bucket", {{"le", "0.005"}}) == 1);
	CHECK(e.value("modloadd_insert_duration_seconds_bucket", {{"le", "0.25"}}) == 2);
	CHECK(e.value("modloadd_insert_duration_seconds_bucket", {{"le", "30"}}) == 3);
	CHECK(e.value("modloadd_insert_duration_seconds_bucket", {{"le", "+Inf"}}) == 4);
	CHECK(e.value("modloadd_insert_duration_seconds_count") == 4);
	CHECK(e.value("modloadd_insert_duration_seconds_sum") == Approx(45.501));
	CHECK(e.value("modloadd_uevents_received_total") == 10);
	CHECK(e.value("modloadd_uevents_dropped_total", {{"reason", "wrong_sender"}}) == 2);
	CHECK(e.value("modloadd_uevent_overflows_total") == 1);
	CHECK(e.value("modloadd_rescans_total") == 1);
	CHECK(e.value("modloadd_reloads_total") == 2);
	CHECK(e.value("modloadd_ready") == 1);
	CHECK(e.value("modloadd_start_time_seconds") == 1764950000);
}

TEST_CASE("given no uevent socket and nothing loaded yet, the metrics should still be valid")
{
	std::string text = formatMetrics(MetricsSnapshot{});
	INFO(text);
	Exposition e = parseExposition(text);
	CHECK(e.problems.empty());
	CHECK_FALSE(e.types.count("modloadd_uevents_received_total"));
	CHECK(e.value("modloadd_insert_duration_seconds_count") == 0);
	CHECK(e.value("modloadd_insert_duration_seconds_bucket", {{"le", "+Inf"}}) == 0);
	CHECK(e.value("modloadd_ready") == 0);
}

TEST_CASE("given broken texts, the format's parser should refuse each")
{
	const char *broken[] = {
		"# HELP modloadd_x_total X.\n# TYPE modloadd_x_total counter\nmodloadd_x_total 1",
		"modloadd_x_total 1\n# HELP modloadd_x_total X.\n# TYPE modloadd_x_total counter\n",
		"# HELP modloadd_x X.\n# TYPE modloadd_x counter\nmodloadd_x 1\n",
		"# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n",
		"# HELP modloadd_x_total X.\n# TYPE modloadd_x_total counter\nmodloadd_x_total "
		"one\n",
		"# HELP modloadd_x_total X.\n# TYPE modloadd_x_total counter\n"
		"modloadd_x_total{a=\"1\"} 1\nmodloadd_x_total{a=\"1\"} 2\n",
		"# HELP modloadd_x_total X.\n# TYPE modloadd_x_total counter\n"
		"modloadd_x_total{a=1} 1\n",
		"# HELP modloadd_h X.\n# TYPE modloadd_h histogram\nmodloadd_h_bucket{le=\"1\"} 2\n"
		"modloadd_h_bucket{le=\"+Inf\"} 1\nmodloadd_h_sum 1\nmodloadd_h_count 1\n",
		"# HELP modloadd_h X.\n# TYPE modloadd_h histogram\nmodloadd_h_bucket{le=\"1\"} 1\n"
		"modloadd_h_sum 1\nmodloadd_h_count 1\n",
		"# HELP modloadd_a_total A.\n# TYPE modloadd_a_total counter\n# HELP modloadd_b "
		"B.\n"
		"# TYPE modloadd_b gauge\nmodloadd_a_total 1\nmodloadd_b "
		"1\nmodloadd_a_total{x=\"y\"} "
		"1\n",
	};
	for (const char *text : broken) {
		INFO(text);
		CHECK_FALSE(parseExposition(text).problems.empty());
	}
}

TEST_CASE("given a metrics file, writing it should replace it whole, mode 0644")
{
	TempTree tree;
	tree.mkdir("/textfile");
	std::string path = tree.path("/textfile/modloadd.prom");
	tree.write("/textfile/modloadd.prom", "old\n");
	struct stat before {};
	REQUIRE(stat(path.c_str(), &before) == 0);
	mode_t mask = umask(077);
	int r = writeMetricsFile(path, "modloadd_ready 1\n");
	umask(mask);
	REQUIRE(r == 0);
	std::ifstream in(path);
	std::stringstream text;
	text << in.rdbuf();
	CHECK(text.str() == "modloadd_ready 1\n");
	struct stat after {};
	REQUIRE(stat(path.c_str(), &after) == 0);
	CHECK((after.st_mode & 07777) == 0644);
	CHECK(after.st_ino != before.st_ino); // a new file renamed over the old one
	size_t files = 0;
	for (const auto &entry : std::filesystem::directory_iterator(tree.path("/textfile"))) {
		INFO(entry.path());
		files++;
	}
	CHECK(files == 1); // no temporary file left

	CHECK(writeMetricsFile(tree.path("/missing/modloadd.prom"), "x\n") == -ENOENT);
}
