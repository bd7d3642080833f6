// Tests for the shared string helpers of daemon/base/strings.h.
#include <catch2/catch.hpp>

#include "base/strings.h"

using namespace modloadd;

TEST_CASE("given decimal text, parseDecimal should take only whole unsigned numbers", "[strings]")
{
	CHECK(parseDecimal("0") == uint64_t{0});
	CHECK(parseDecimal("0042") == uint64_t{42});
	CHECK(parseDecimal("18446744073709551615") == UINT64_MAX);
	for (const char *bad :
	     {"", "-1", "+1", " 1", "1 ", "1x", "0x10", "1.5", "18446744073709551616"}) {
		INFO(bad);
		CHECK_FALSE(parseDecimal(bad));
	}
}

TEST_CASE("given 128-bit IDs, parseId128 should read them as sd_id128_from_string() does",
	  "[strings]")
{
	CHECK(parseId128("3D1219C7C4C5404AAA1F6D2A48ADFDA4") == "3d1219c7c4c5404aaa1f6d2a48adfda4");
	CHECK(parseId128("3d1219c7-c4c5-404a-aa1f-6d2a48adfda4") ==
	      "3d1219c7c4c5404aaa1f6d2a48adfda4");
	CHECK_FALSE(parseId128("3d1219c7c4c5404aaa1f6d2a48adfda"));
	CHECK_FALSE(parseId128("3d1219c7-c4c5404a-aa1f-6d2a48adfda4"));
	CHECK_FALSE(parseId128("3d1219c7c4c5404aaa1f6d2a48adfdag"));
}
