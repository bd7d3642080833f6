// depmod.d read as depmod reads it: search, override, external, exclude, versions, files.
#include "resolve/depmod_config.h"
#include "temp_tree.h"

#include <catch2/catch.hpp>

using namespace modloadd;

TEST_CASE("given no search line, depmod.d should search updates/ only, by default")
{
	testing::TempTree root;
	Diagnostics diags;
	DepmodConfig c = readDepmodConfig(root.root(), "6.1.0-1-amd64", diags);
	CHECK(diags.empty());
	CHECK(c.defaultSearch);
	REQUIRE(c.searches.size() == 1);
	CHECK(c.searches[0].kind == DepmodSearch::Kind::Subdir);
	CHECK(c.searches[0].subdir == "updates");
	CHECK(c.searches[0].where.empty());
}

TEST_CASE("given search, override, external and exclude lines, depmod.d should keep their "
	  "order, their places, and only the lines for this kernel")
{
	DepmodConfig c;
	Diagnostics diags;
	applyDepmodConfigText(c,
			      "# comment\n"
			      "search extra \\\n  built-in\texternal\n"
			      "override nfp 6.1.* updates/oot\n"
			      "override nfp ^5\\. extra\n"
			      "external * /opt/drivers\n"
			      "external 5.10 /opt/old\n"
			      "exclude debug\n"
			      "include nothing\n"
			      "frobnicate x\n"
			      "override nfp\n",
			      "/etc/depmod.d/a.conf", "6.1.0-1-amd64", diags);
	CHECK_FALSE(c.defaultSearch);
	REQUIRE(c.searches.size() == 3);
	CHECK(c.searches[0].subdir == "extra");
	CHECK(c.searches[0].where == "/etc/depmod.d/a.conf:2");
	CHECK(c.searches[1].kind == DepmodSearch::Kind::BuiltIn);
	CHECK(c.searches[2].kind == DepmodSearch::Kind::External);
	REQUIRE(c.overrides.size() == 1);
	CHECK(c.overrides[0].module == "nfp");
	CHECK(c.overrides[0].subdir == "updates/oot");
	CHECK(c.overrides[0].where == "/etc/depmod.d/a.conf:4");
	REQUIRE(c.externals.size() == 1);
	CHECK(c.externals[0].dir == "/opt/drivers");
	REQUIRE(c.excludes.size() == 1);
	CHECK(c.excludes[0].name == "debug");
	REQUIRE(diags.size() == 2);
	CHECK(diags[0].line == 10);
	CHECK(diags[0].message == "Bad depmod.d line starting with 'frobnicate', ignoring");
	CHECK(diags[1].line == 11);
}

TEST_CASE("given depmod.d files in several directories, the first directory's file of a name "
	  "should hide the others, and files should be read in the order of their names")
{
	testing::TempTree root;
	root.write("lib/depmod.d/10-a.conf", "search a\n");
	root.write("etc/depmod.d/10-a.conf", "search etc-a\n");
	root.write("lib/depmod.d/05-b.conf", "search b\n");
	root.write("run/depmod.d/20-c.conf", "search c\n");
	root.write("etc/depmod.d/not-conf.txt", "search nope\n");
	Diagnostics diags;
	DepmodConfig c = readDepmodConfig(root.root(), "6.1.0", diags);
	REQUIRE(c.searches.size() == 3);
	CHECK(c.searches[0].subdir == "b");
	CHECK(c.searches[1].subdir == "etc-a");
	CHECK(c.searches[2].subdir == "c");
	CHECK(c.files == std::vector<std::string>{"/lib/depmod.d/05-b.conf",
						  "/etc/depmod.d/10-a.conf",
						  "/run/depmod.d/20-c.conf"});
}
