// Fuzz target: the client's reading of the signer's status report (docs/protocol.md §5.7).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
// Target function: cassiopeia::client::parse_status_report.
#include "status_report.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_status_report: invariant broken: %s\n", what);
        std::abort();
    }
}

void run(std::span<const uint8_t> input) {
    const auto parsed = cassiopeia::client::parse_status_report(input);
    // Exactly one of a report and a reason.
    check(parsed.report.has_value() == parsed.error.empty(), "report and error disagree");
    if (!parsed.report) {
        return;  // refusals are normal
    }
    for (const auto& ca : parsed.report->cas) {
        check(!ca.name.empty(), "an entry without a name was kept");
        check(ca.crl_number != 0, "an entry without a CRL number was kept");
    }
    if (const auto& audit = parsed.report->audit) {
        check(audit->seq >= 0, "a negative audit seq was kept");
        check(audit->hash.size() == 64, "an audit head that is not 64 digits was kept");
        for (const char c : audit->hash) {
            check((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'), "a non-hex audit head");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        run({data, size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_status_report: unexpected exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
