// The simulation script: NAME:LATENCY_MS:ERRNO lines for the simulated backend.
#include "load/simulated_backend.h"

#include <catch2/catch.hpp>
#include <cerrno>

using namespace modloadd;

TEST_CASE("given a malformed simulation script, we should name the line and keep the rest")
{
	Diagnostics diags;
	auto script = SimulationScript::parse("a:1:0\nnonsense\nb:x:0\nc:2:EWHAT\nd:3:ENODEV\n",
					      "s.txt", diags);
	REQUIRE(diags.size() == 3);
	CHECK(diags[0].line == 2);
	CHECK(diags[1].line == 3);
	CHECK(diags[2].line == 4);
	CHECK(script.lookup("d").err == ENODEV);
	CHECK(script.lookup("d").latencyMs == 3);
	CHECK(script.lookup("a").latencyMs == 1);
}
