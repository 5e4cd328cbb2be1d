// Fuzz target: the strict DER codec of the RevokedDelta (docs/protocol.md §5.6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
// Target functions: librecord::crl::decode, librecord::crl::encode.
#include <librecord/revoked_delta.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_revoked_delta: invariant broken: %s\n", what);
        std::abort();
    }
}

void run(std::span<const uint8_t> input) {
    namespace lc = librecord::crl;
    const auto decoded = lc::decode(input);
    if (!decoded) {
        return;  // refusals are normal
    }
    // Strict DER: what decodes re-encodes to the very same bytes, and decodes to the same value.
    const auto encoded = lc::encode(*decoded);
    check(encoded.ok(), "decoded delta does not encode");
    check(std::equal(encoded->begin(), encoded->end(), input.begin(), input.end()),
          "re-encoding differs from the input");
    const auto again = lc::decode(*encoded);
    check(again.ok() && *again == *decoded, "round trip changes the value");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        run({data, size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_revoked_delta: unexpected exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
