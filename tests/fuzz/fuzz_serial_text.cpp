// Fuzz target: the serial text reader and writer of docs/protocol.md §5.4.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
// Target functions: librecord::parse_serial, format_serial, canonical_serial.
#include <librecord/serial_text.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>
#include <string_view>
#include <vector>

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_serial_text: invariant broken: %s\n", what);
        std::abort();
    }
}

void run(std::span<const uint8_t> input) {
    namespace cs = librecord;
    // reinterpret_cast: the fuzzer's bytes read as text
    const std::string_view text{reinterpret_cast<const char*>(input.data()), input.size()};
    const auto parsed = cs::parse_serial(text);
    if (parsed) {
        const std::vector<uint8_t>& v = *parsed;
        check(v.size() <= cs::serial_limits::max_magnitude_octets, "magnitude over the limit");
        check(v.empty() || v.front() != 0, "magnitude not minimal");
        const std::string canonical = cs::format_serial(v);
        check(cs::is_canonical_serial(canonical), "writer output not canonical");
        const auto again = cs::parse_serial(canonical);
        check(again.ok() && *again == v, "canonical text does not read back");
    }
    // The writer on raw bytes: reading its output gives the bytes without leading zeros.
    const auto bytes = input.first(std::min(input.size(), cs::serial_limits::max_magnitude_octets));
    const auto back = cs::parse_serial(cs::format_serial(bytes));
    check(back.ok(), "writer output unreadable");
    const auto first = std::find_if(bytes.begin(), bytes.end(), [](uint8_t b) { return b != 0; });
    check(std::equal(first, bytes.end(), back->begin(), back->end()), "writer round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        run({data, size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_serial_text: unexpected exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
