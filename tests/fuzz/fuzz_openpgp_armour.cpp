// Fuzz target: the client's dearmouring of the certified key the signer returns (§5.5).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
//
// Target function: cassiopeia::client::ossl::summarize_openpgp_key (armour lines, base64 through
// OpenSSL, CRC-24, then the packet framing of librecord/openpgp.hpp). A refusal (nullopt) is a
// normal return; an escaping exception or a broken invariant aborts.
#include "ossl/openpgp.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

namespace {

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz_openpgp_armour: invariant broken: %s\n", what);
        std::abort();
    }
}

bool upper_hex(std::string_view s) {
    for (const char c : s) {
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

void run(std::string_view text) {
    const auto summary = cassiopeia::client::ossl::summarize_openpgp_key(text);
    if (!summary) {
        return;
    }
    // Only v4 keys are read: a SHA-1 fingerprint (RFC 4880 §12.2).
    check(summary->fingerprint.size() == 40, "fingerprint is not 40 hex digits");
    check(upper_hex(summary->fingerprint), "fingerprint is not upper-case hex");
    check(text.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") != std::string_view::npos,
          "a summary without the armour header line");
    check(text.find("-----END PGP PUBLIC KEY BLOCK-----") != std::string_view::npos,
          "a summary without the armour footer line");
    const auto again = cassiopeia::client::ossl::summarize_openpgp_key(text);
    check(again && again->fingerprint == summary->fingerprint && again->uids == summary->uids,
          "the same armour read twice gives two answers");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        // The armour is text viewed as bytes.
        run({reinterpret_cast<const char*>(data), size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_openpgp_armour: unexpected exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
