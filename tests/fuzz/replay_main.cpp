// Replay driver: runs LLVMFuzzerTestOneInput over every file of the given corpus folders,
// so ctest exercises each fuzz target with any compiler (docs/style.md §9, label fuzz-replay).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
    size_t runs = 0;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path root{
            argv[i]};  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        if (!std::filesystem::exists(root)) {
            std::cerr << "corpus not found: " << root << '\n';
            return 1;
        }
        for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
            if (!entry.is_regular_file()) {
                continue;
            }
            std::ifstream in(entry.path(), std::ios::binary);
            const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), {}};
            LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
            ++runs;
        }
    }
    std::cout << "replayed " << runs << " inputs\n";
    return runs > 0 ? 0 : 1;
}
