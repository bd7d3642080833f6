// Tests for the values that compare: operators, KernelVersion= comparisons, sizes and counts,
// and when each holds.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "rules/comparisons.h"

using namespace modloadd;

TEST_CASE("given KernelVersion values, we should read each word's operator and operand",
	  "[comparisons]")
{
	auto v = parseKernelVersionValue(">=5.10 <6.2 6.*");
	REQUIRE(v);
	REQUIRE(v->size() == 3);
	CHECK((*v)[0].op == CompareOp::GreaterOrEqual);
	CHECK((*v)[0].operand == "5.10");
	CHECK((*v)[1].op == CompareOp::Less);
	CHECK((*v)[1].operand == "6.2");
	CHECK((*v)[2].op == CompareOp::GlobEqual);
	CHECK((*v)[2].operand == "6.*");

	v = parseKernelVersionValue("= 6.1 !=6.2 $=6* !$=7* <>8");
	REQUIRE(v);
	REQUIRE(v->size() == 5);
	CHECK((*v)[0].op == CompareOp::StringEqual);
	CHECK((*v)[0].operand == "6.1");
	CHECK((*v)[1].op == CompareOp::StringNotEqual);
	CHECK((*v)[2].op == CompareOp::GlobEqual);
	CHECK((*v)[3].op == CompareOp::GlobNotEqual);
	CHECK((*v)[4].op == CompareOp::NotEqual);
}

TEST_CASE("given Memory values, we should read the operator and the size in bytes", "[comparisons]")
{
	auto m = parseMemoryValue("4G");
	REQUIRE(m);
	CHECK(m->op == CompareOp::GreaterOrEqual);
	CHECK(m->amount == (uint64_t{4} << 30));
	m = parseMemoryValue("<1.5G");
	REQUIRE(m);
	CHECK(m->op == CompareOp::Less);
	CHECK(m->amount == (uint64_t{3} << 29));
	m = parseMemoryValue("1G 512M 3");
	REQUIRE(m);
	CHECK(m->amount == (uint64_t{1} << 30) + (uint64_t{512} << 20) + 3);
	m = parseMemoryValue("=2048");
	REQUIRE(m);
	CHECK(m->op == CompareOp::Equal);
	CHECK(m->amount == 2048);
}

TEST_CASE("given CPUs values, we should read the operator and the count", "[comparisons]")
{
	auto c = parseCpusValue("<=128");
	REQUIRE(c);
	CHECK(c->op == CompareOp::LessOrEqual);
	CHECK(c->amount == 128);
	c = parseCpusValue("8");
	REQUIRE(c);
	CHECK(c->op == CompareOp::GreaterOrEqual);
}

TEST_CASE("given operators, we should take the longest spelling, and string and glob ones only "
	  "where strings compare",
	  "[comparisons]")
{
	struct Case {
		std::string_view text;
		bool strings;
		CompareOp op;
		std::string_view rest;
	};
	for (const Case &k : {
		     Case{">=5", false, CompareOp::GreaterOrEqual, "5"},
		     Case{"<>5", false, CompareOp::NotEqual, "5"},
		     Case{"<5", false, CompareOp::Less, "5"},
		     Case{"!=5", false, CompareOp::NotEqual, "5"},
		     Case{"=5", false, CompareOp::Equal, "5"},
		     Case{"!=5", true, CompareOp::StringNotEqual, "5"},
		     Case{"=5", true, CompareOp::StringEqual, "5"},
		     Case{"!$=5*", true, CompareOp::GlobNotEqual, "5*"},
		     Case{"$=5*", true, CompareOp::GlobEqual, "5*"},
	     }) {
		INFO(k.text << (k.strings ? " (strings)" : ""));
		std::string_view s = k.text;
		auto op = takeOperator(s, k.strings);
		REQUIRE(op);
		CHECK(*op == k.op);
		CHECK(s == k.rest);
	}
	std::string_view glob = "$=5*";
	CHECK_FALSE(takeOperator(glob, false));
	CHECK(glob == "$=5*");
	std::string_view none = "5.10";
	CHECK_FALSE(takeOperator(none, true));
	CHECK(none == "5.10");
}

TEST_CASE("given comparisons, we should hold them as systemd's version_or_fnmatch_compare() and "
	  "its numbers do",
	  "[comparisons]")
{
	CHECK(versionOrGlobHolds({CompareOp::GreaterOrEqual, "6.1"}, "6.1.0-13-amd64"));
	CHECK_FALSE(versionOrGlobHolds({CompareOp::Less, "6.1"}, "6.1.0-13-amd64"));
	CHECK(versionOrGlobHolds({CompareOp::NotEqual, "6.1"}, "6.1.0"));
	CHECK(versionOrGlobHolds({CompareOp::StringEqual, "6.1"}, "6.1"));
	CHECK_FALSE(versionOrGlobHolds({CompareOp::StringEqual, "6.1"}, "6.1.0"));
	CHECK(versionOrGlobHolds({CompareOp::StringNotEqual, "6.1"}, "6.1.0"));
	CHECK(versionOrGlobHolds({CompareOp::GlobEqual, "6.*"}, "6.1.0"));
	CHECK_FALSE(versionOrGlobHolds({CompareOp::GlobNotEqual, "6.*"}, "6.1.0"));

	CHECK(orderHolds(-1, CompareOp::Less));
	CHECK(orderHolds(0, CompareOp::LessOrEqual));
	CHECK_FALSE(orderHolds(0, CompareOp::NotEqual));
	CHECK_FALSE(orderHolds(0, CompareOp::StringEqual)); // strings do not order

	AmountComparison atLeast4G{CompareOp::GreaterOrEqual, uint64_t{4} << 30};
	CHECK(atLeast4G.holdsFor(uint64_t{4} << 30));
	CHECK(atLeast4G.holdsFor(UINT64_MAX));
	CHECK_FALSE(atLeast4G.holdsFor((uint64_t{4} << 30) - 1));
	AmountComparison two{CompareOp::Equal, 2};
	CHECK(two.holdsFor(2));
	CHECK_FALSE(two.holdsFor(3));
}
