// Fuzz target of the signer's request parsers: PKCS#10 (DER/PEM) and SPKAC.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
//
// Target functions: cassiopeia::server::parse_pkcs10, cassiopeia::server::parse_spkac.
// The first byte chooses the parser (even: PKCS#10, odd: SPKAC); the rest is the payload.
// Refusals are normal returns; an escaping exception aborts.
#include "issuance/csr.hpp"

#include <openssl/err.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <span>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        return 0;
    }
    try {
        const std::span<const uint8_t> all{data, size};
        const auto payload = all.subspan(1);
        if ((all[0] & 1U) == 0) {
            const auto out = cassiopeia::server::parse_pkcs10(payload);
            if (out.ok() && out->key == nullptr) {
                std::abort();  // a success always carries a key
            }
        } else {
            // reinterpret_cast: SPKAC payloads are text; view the bytes as characters.
            const std::string_view text{reinterpret_cast<const char*>(payload.data()),
                                        payload.size()};
            const auto out = cassiopeia::server::parse_spkac(text);
            if (out.ok() && out->key == nullptr) {
                std::abort();
            }
        }
    } catch (const std::exception&) {
        std::abort();
    }
    ::ERR_clear_error();  // no global state growth across inputs
    return 0;
}
