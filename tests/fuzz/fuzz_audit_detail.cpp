// Fuzz target: audit-verify's reading of an audit entry's detail (docs/repository.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
// Target function: cassiopeia::server::parse_audit_detail.
#include "repository/history_check.hpp"

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
        std::fprintf(stderr, "fuzz_audit_detail: invariant broken: %s\n", what);
        std::abort();
    }
}

void run(std::string_view input) {
    const auto fields = cassiopeia::server::parse_audit_detail(input);
    if (!fields) {
        return;  // refusals are normal
    }
    // What was read writes back to the same text, field by field in order of appearance,
    // so nothing was skipped or merged.
    size_t total = 0;
    for (const auto& [key, value] : *fields) {
        check(!key.empty(), "an empty key was kept");
        check(key.find_first_of(" =") == std::string::npos, "a key holds a separator");
        check(value.find(' ') == std::string::npos, "a value holds a space");
        check(input.find(key + "=" + value) != std::string_view::npos, "a field not in the text");
        total += key.size() + 1 + value.size();
    }
    check(total + fields->size() - 1 == input.size(), "the fields do not cover the text");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        // reinterpret_cast: the fuzzer's bytes as text
        run({reinterpret_cast<const char*>(data), size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_audit_detail: unexpected exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
