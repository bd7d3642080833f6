// The refusal memory: only what the kernel would answer again in this boot is remembered.
#include "load/refusals.h"

#include "temp_tree.h"

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>

using namespace modloadd;
using modloadd::testing::TempTree;

TEST_CASE("given a module's own outcomes, we should remember the permanent refusals only")
{
	struct Case {
		Outcome outcome;
		const char *kind; // nullptr: not remembered
	};
	const Case cases[] = {
		{{OutcomeKind::NoDevice, ENODEV, {}, {}}, "no-device"},
		{{OutcomeKind::NoDevice, ENXIO, {}, {}}, "no-device"},
		{{OutcomeKind::Failed, ENOEXEC, {}, {}}, "invalid"},
		{{OutcomeKind::Failed, EKEYREJECTED, {}, {}}, "signature"},
		{{OutcomeKind::Failed, EBADMSG, {}, {}}, "signature"},
		// No CAP_SYS_MODULE, which a restart may fix (module_blacklist= is read at every
		// start instead).
		{{OutcomeKind::Failed, EPERM, {}, {}}, nullptr},
		{{OutcomeKind::Failed, EIO, {}, "fx_a: probe of fx.0 failed"}, nullptr},
		{{OutcomeKind::Failed, ENOMEM, {}, {}}, nullptr},
		{{OutcomeKind::Failed, EBUSY, {}, {}}, nullptr},
		{{OutcomeKind::Failed, ETIMEDOUT, {}, {}}, nullptr},
		{{OutcomeKind::Failed, EINVAL, {}, {}}, "parameters"}, // for these options only
		{{OutcomeKind::Failed, ENOENT, {}, {}}, nullptr},      // unknown symbol
		// Settled by a dependency's refusal, not its own.
		{{OutcomeKind::Failed, ENOEXEC, "dependency fx_b failed", {}}, nullptr},
		{{OutcomeKind::Inserted, 0, {}, {}}, nullptr},
		{{OutcomeKind::NotFound, ENOENT, {}, {}}, nullptr},
	};
	TempTree dir;
	Refusals refusals(dir.path("/run/modloadd/refused"));
	size_t expected = 0;
	for (size_t i = 0; i < std::size(cases); i++) {
		const Case &c = cases[i];
		CAPTURE(i, c.outcome.err);
		auto kind = Refusals::permanentKind(c.outcome);
		CHECK(kind.has_value() == (c.kind != nullptr));
		if (kind && c.kind)
			CHECK(*kind == c.kind);
		std::string name = "fx_" + std::to_string(i);
		refusals.remember(name, "opt=1 other=2", c.outcome);
		auto read = refusals.read();
		if (c.kind) {
			expected++;
			std::string key = std::string(c.kind) == "parameters"
						  ? Refusals::keyWithOptions(name, "opt=1 other=2")
						  : name;
			REQUIRE(read.count(key) == 1);
			CHECK(read.at(key).kind == c.outcome.kind);
			CHECK(read.at(key).err == c.outcome.err);
		} else {
			CHECK(read.count(name) == 0);
		}
		CHECK(read.size() == expected);
	}
}

TEST_CASE("given lines of an older daemon or a foreign writer, we should trust only permanent ones")
{
	TempTree dir;
	dir.write("/run/modloadd/refused", "fx_a failed 5\n"	  // EIO, the old format
					   "fx_b failed 1\n"	  // EPERM
					   "fx_c no-device 12\n"  // ENOMEM is no device
					   "fx_d invalid 8\n"	  // ENOEXEC
					   "fx_e signature 129\n" // EKEYREJECTED
					   "fx_f signature\n"	  // torn
					   "fx_g no-device 6\n"); // ENXIO
	auto read = Refusals(dir.path("/run/modloadd/refused")).read();
	CHECK(read.size() == 3);
	CHECK(read.count("fx_d") == 1);
	CHECK(read.count("fx_e") == 1);
	CHECK(read.count("fx_g") == 1);
	CHECK(read.at("fx_g").kind == OutcomeKind::NoDevice);
	CHECK(read.at("fx_d").cause == "refused by the kernel earlier in this boot");
}

TEST_CASE("given the running kernel's answers as the insert helper meets them, we should remember "
	  "a refusal for good, and an init's own EEXIST as no device")
{
	TempTree dir;
	Refusals refusals(dir.path("/run/modloadd/refused"));
	// A module this host's kernel has (built in, with parameters): its EEXIST is "already
	// there".
	std::string present;
	for (const auto &entry : std::filesystem::directory_iterator("/sys/module")) {
		present = entry.path().filename().string();
		break;
	}
	REQUIRE_FALSE(present.empty());
	refusals.rememberAnswer("fx_nodev", "", -ENODEV);
	refusals.rememberAnswer("fx_taken", "", -EEXIST); // not in this kernel: its init said so
	refusals.rememberAnswer(present, "", -EEXIST);
	refusals.rememberAnswer("fx_eio", "", -EIO);
	refusals.rememberAnswer("fx_ok", "", 0);
	refusals.rememberAnswer("fx_opts", "speed=fast", -EINVAL);
	auto read = refusals.read();
	CHECK(read.size() == 3);
	REQUIRE(read.count("fx_nodev") == 1);
	CHECK(read.at("fx_nodev").err == ENODEV);
	REQUIRE(read.count("fx_taken") == 1);
	CHECK(read.at("fx_taken").kind == OutcomeKind::NoDevice);
	CHECK(read.count(Refusals::keyWithOptions("fx_opts", "speed=fast")) == 1);
}
