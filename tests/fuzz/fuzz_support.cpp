// What the fuzz targets share: how an oracle fails, and what libkmod can take as a lookup key.
#include "fuzz_support.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <libkmod.h>
#include <unistd.h>

#include "base/handles.h"

namespace modloadd::fuzz {

void expect(bool holds, std::string_view what, std::string_view detail)
{
	if (holds)
		return;
	std::fprintf(stderr, "oracle failed: %.*s\n", static_cast<int>(what.size()), what.data());
	if (!detail.empty()) {
		// A hostile detail may be long or binary: its start, escaped, is enough to see it.
		std::string shown;
		for (unsigned char c : detail.substr(0, 300))
			shown += c >= 0x20 && c < 0x7f ? std::string(1, static_cast<char>(c))
						       : "\\x" + std::to_string(c);
		std::fprintf(stderr, "  detail (%zu bytes): %s\n", detail.size(), shown.c_str());
	}
	std::abort();
}

bool kmodTakesWhole(std::string_view key)
{
	if (key.empty() || key.size() > PATH_MAX - 1 || key.find('\0') != std::string_view::npos)
		return false;
	bool inBracket = false;
	for (char c : key) {
		if (inBracket)
			inBracket = c != ']';
		else if (c == '[')
			inBracket = true;
		else if (c == ']')
			return false;
	}
	return !inBracket;
}

namespace {

// An empty module directory and an empty configuration directory, made once per process:
// lookups there find nothing, but libkmod still reads and normalises the key.
kmod_ctx *emptyContext()
{
	static KmodContext ctx = [] {
		static char dir[] = "/tmp/modloadd-fuzz-XXXXXX";
		expect(::mkdtemp(dir) != nullptr, "mkdtemp for the empty module directory");
		static std::string config = std::string(dir) + "/modprobe.d";
		static std::string tree = std::string(dir) + "/lib/modules/fuzz";
		const char *configs[] = {config.c_str(), nullptr};
		KmodContext made(kmod_new(tree.c_str(), configs));
		expect(made != nullptr, "kmod_new on the empty module directory");
		kmod_set_log_priority(made.get(), 0);
		::rmdir(dir); // nothing was made inside: the directory itself need not stay
		return made;
	}();
	return ctx.get();
}

} // namespace

int kmodLookup(const std::string &key)
{
	kmod_list *found = nullptr;
	int r = kmod_module_new_from_lookup(emptyContext(), key.c_str(), &found);
	KmodList owned(found);
	return r;
}

void expectKmodTakes(const std::string &name, std::string_view source)
{
	std::string what(source);
	expect(kmodTakesWhole(name), what + ": accepted a key libkmod does not take whole", name);
	expect(kmodLookup(name) != -EINVAL, what + ": accepted a key libkmod refuses (EINVAL)",
	       name);
}

void expectDiagnosticsPlaced(const Diagnostics &diags, std::string_view file, size_t lines)
{
	for (const Diagnostic &d : diags) {
		expect(d.file == file, "a diagnostic names another file", d.file);
		expect(d.line <= lines, "a diagnostic names a line past the end", d.message);
		expect(!d.message.empty(), "a diagnostic says nothing");
	}
}

size_t lineCount(std::string_view text)
{
	size_t n = static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
	return n + (!text.empty() && text.back() != '\n' ? 1 : 0);
}

} // namespace modloadd::fuzz
