// Fuzz target: the numbers of the test builds' crash switch (tests/support/kill_at.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
// Target function: cassiopeia::test::parse_count.
#include "kill_at.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // reinterpret_cast: the fuzzer's bytes read as text
    const std::string_view text{reinterpret_cast<const char*>(data), size};
    const auto n = cassiopeia::test::parse_count(text);
    if (n) {
        // Accepted: a canonical-or-zero-padded decimal below 10^9 that reads back the same.
        if (*n < 0 || *n >= 1'000'000'000 ||
            cassiopeia::test::parse_count(std::to_string(*n)) != n) {
            std::fprintf(stderr,
                         "fuzz_kill_count: '%.*s' read as %lld\n",
                         static_cast<int>(size),
                         text.data(),
                         static_cast<long long>(*n));
            std::abort();
        }
        for (const char c : text) {
            if (c < '0' || c > '9') {
                std::fprintf(stderr, "fuzz_kill_count: a non-digit was accepted\n");
                std::abort();
            }
        }
    }
    return 0;
}
