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
