// Fuzz target: a record line that decodes must re-encode canonically and decode to the same Record.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
// Target functions: librecord::decode_record, librecord::encode_record, librecord::to_hex,
// librecord::from_hex.
#include "librecord/limits.hpp"
#include "librecord/record.hpp"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_record_roundtrip: mismatch: %s\n", what);
        std::abort();
    }
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

void run(std::string_view line) {
    // Hex layer alone: accepted hex re-encodes to its upper-case form.
    if (const auto bytes = librecord::from_hex(line)) {
        check(librecord::to_hex(*bytes) == upper(line), "hex round trip");
    }

    const auto rec = librecord::decode_record(line);
    if (!rec) {
        return;
    }
    check(rec->flags == 0, "flags zero");
    check(rec->payload.size() <= librecord::limits::max_chunk_size, "chunk within 0xF000");
    const std::string encoded = librecord::encode_record(*rec);
    check(encoded.size() <= librecord::limits::max_record_line, "line within the limit");
    const auto again = librecord::decode_record(encoded);
    check(again.ok(), "re-encoded record decodes");
    check(*again == *rec, "decode(encode(r)) == r");
    // The encoding is canonical: the accepted line was it, up to case and the optional '\n'.
    std::string_view body = line;
    if (!body.empty() && body.back() == '\n') {
        body.remove_suffix(1);
    }
    check(encoded == upper(body) + "\n", "accepted line is the canonical encoding");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        // reinterpret_cast: the fuzzer's bytes viewed as text, same size and lifetime.
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
        run({reinterpret_cast<const char*>(data), size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_record_roundtrip: escaped exception: %s\n", e.what());
        std::abort();
    } catch (...) {
        std::fprintf(stderr, "fuzz_record_roundtrip: escaped unknown exception\n");
        std::abort();
    }
    return 0;
}
