// Replays a fuzz target's corpus as an ordinary test: every file of every directory (or file)
// named on the command line is handed to the target once, in name order. An oracle that fails
// aborts the run; the file being read is printed first, so the log names the input.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_support.h"

namespace fs = std::filesystem;

// A target's own set-up, when it has one (libFuzzer calls it the same way, once, first).
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

int main(int argc, char **argv)
{
	std::vector<fs::path> inputs;
	for (int i = 1; i < argc; i++) {
		fs::path arg(argv[i]);
		if (fs::is_directory(arg)) {
			for (const auto &entry : fs::directory_iterator(arg))
				if (entry.is_regular_file())
					inputs.push_back(entry.path());
		} else {
			inputs.push_back(arg);
		}
	}
	std::sort(inputs.begin(), inputs.end());
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	if (inputs.empty()) {
		std::fprintf(stderr, "no inputs: name corpus directories or files\n");
		return 1;
	}
	for (const fs::path &input : inputs) {
		std::ifstream in(input, std::ios::binary);
		if (!in) {
			std::fprintf(stderr, "cannot read %s\n", input.c_str());
			return 1;
		}
		std::string bytes((std::istreambuf_iterator<char>(in)),
				  std::istreambuf_iterator<char>());
		std::fprintf(stderr, "%s (%zu bytes)\n", input.c_str(), bytes.size());
		LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()),
				       bytes.size());
	}
	std::printf("%zu inputs replayed\n", inputs.size());
	return 0;
}
