// The reloader on a real event loop: a reload's reading runs off the loop, so the loop (and with
// it the watchdog) goes on while it reads; a change seen during the start waits for the run.
#include <catch2/catch.hpp>

#include "service/reload.h"
#include "temp_tree.h"

#include <chrono>
#include <future>
#include <memory>
#include <optional>

using namespace modloadd;
using modloadd::testing::TempTree;
using namespace std::chrono_literals;

namespace {

// A loop, a journal and a root for the reload record, as the daemon has them.
struct Setting {
	Setting()
	{
		auto opened = EventLoop::open();
		REQUIRE(opened);
		loop.emplace(std::move(*opened));
	}
	std::string entries() const
	{
		std::string out;
		for (const LogRecord &r : journal.records())
			out += r.message + "\n";
		return out;
	}

	TempTree dir;
	std::optional<EventLoop> loop;
	Journal journal{LogTarget::Memory, LOG_DEBUG};
};

} // namespace

TEST_CASE("given a reload whose reading takes long, the loop should go on serving meanwhile",
	  "[reload]")
{
	Setting the;
	EventLoop &loop = *the.loop;
	// The read waits until a timer of the loop lets it go on: a read on the loop would wait
	// for the whole bound, and the timer would come after it.
	auto release = std::make_shared<std::promise<void>>();
	std::shared_future<void> released = release->get_future().share();
	bool applied = false, tickedWhileReading = false;
	Reloader reloader(loop, the.journal, the.dir.root(),
			  Reloader::Hooks{[&] {
						  return Reloader::ReadWork([released, &applied] {
							  released.wait_for(20s);
							  return Reloader::Apply([&applied] {
								  applied = true;
								  return size_t{2};
							  });
						  });
					  },
					  [&] {
						  if (applied)
							  loop.exit();
						  return true;
					  },
					  [] { return false; }, [] { return std::string("idle"); },
					  [] { return std::string("-"); }});
	reloader.request("a test", 0);
	auto tick = loop.after(1000, [&] {
		tickedWhileReading = !applied;
		release->set_value();
	});
	REQUIRE(tick);
	auto bound = loop.after(30000000, [&] { loop.exit(); });
	REQUIRE(bound);
	CHECK(loop.run() >= 0);
	INFO(the.entries());
	CHECK(tickedWhileReading);
	CHECK(applied);
	CHECK(the.entries().find(
		      "Reloaded the configuration (a test): 2 modules new to this run") !=
	      std::string::npos);
}

TEST_CASE("given changes while the start reads, we should reload for them once it is over",
	  "[reload]")
{
	Setting the;
	EventLoop &loop = *the.loop;
	unsigned reads = 0;
	Reloader reloader(loop, the.journal, the.dir.root(),
			  Reloader::Hooks{[&] {
						  reads++;
						  return Reloader::ReadWork();
					  },
					  [] { return true; }, [] { return false; },
					  [] { return std::string("idle"); },
					  [] { return std::string("-"); }});
	reloader.hold();
	reloader.request("a change in /etc/modules-load.d", 0);
	reloader.request("a change in /etc/modloadd/rules.d", 0);
	CHECK(reads == 0);
	CHECK(the.journal.records().empty());
	reloader.resume();
	CHECK(reads == 2);
	std::string text = the.entries();
	INFO(text);
	CHECK(text.find("Reloaded the configuration (a change in /etc/modules-load.d)") !=
	      std::string::npos);
	CHECK(text.find("Reloaded the configuration (a change in /etc/modloadd/rules.d)") !=
	      std::string::npos);
}
