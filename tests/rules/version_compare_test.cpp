// Tests for systemd's version order: kernel releases as ConditionKernelVersion= compares them.
#include <catch2/catch.hpp>

#include <string_view>
#include <vector>

#include "rules/version_compare.h"

using namespace modloadd;

TEST_CASE("given systemd's version order, we should agree on kernel releases", "[version_compare]")
{
	struct Case {
		std::string_view a, b;
		int order;
	};
	for (const Case &k : std::vector<Case>{
		     {"6.1.0-56-cloud-amd64", "6.1", 1},
		     {"6.1.0-56-cloud-amd64", "6.1.0", 1},
		     {"6.1.0-56-cloud-amd64", "6.2", -1},
		     {"6.1.0-56-cloud-amd64", "5.10.0", 1},
		     {"6.1.0-56-cloud-amd64", "6.1.0-56-cloud-amd64", 0},
		     {"6.1.0-56-cloud-amd64", "6.1.0-9-amd64", 1},
		     {"6.1", "6.1.0", -1},
		     {"5.10.0", "5.9.16", 1},
		     {"5.10", "5.010", 0},
		     {"6.1.0-rc1", "6.1.0", 1}, // systemd's order: more text is newer, even "-rc1"
		     {"6.1.0~rc1", "6.1.0", -1},
		     {"6.1~rc1", "6.1~rc2", -1},
		     {"6.18.44-fc-v595", "6.18.44", 1},
		     {"6.18.44-fc-v595", "6.18.44-fc-v595~x", 1},
		     {"1.2a", "1.2", 1},
		     {"1.2a", "1.2b", -1},
		     {"1.2.a", "1.2.1", -1}, // a number is newer than letters
		     {"1_2", "1.2", 1},	     // '_' is dropped, "12"...
		     {"", "1", -1},
		     {"", "", 0},
	     }) {
		INFO(k.a << " vs " << k.b);
		CHECK(compareVersions(k.a, k.b) == k.order);
		CHECK(compareVersions(k.b, k.a) == -k.order);
	}
}
