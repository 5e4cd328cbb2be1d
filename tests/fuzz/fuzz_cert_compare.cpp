// Fuzz target of compare's readers and comparison (docs/key-ceremony.md, "compare").
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
//
// Target functions: cassiopeia::server::certificate_der, parse_certificate,
// compare_certificates, allowable_field. The first two bytes (big-endian) are the length of
// the first input, the rest after it the second; each is read as a file would be (PEM or
// DER), and the first 64 bytes of the rest as an --allow name. Two
// certificates that parse are compared both ways; a certificate compared with itself must be
// equivalent unless it is not DER as parsed. Refusals are normal returns; an escaping
// exception aborts.
#include "issuance/cert_compare.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <optional>
#include <span>
#include <string_view>

namespace {

std::optional<cassiopeia::server::ParsedCertificate> read(std::span<const uint8_t> bytes) {
    const auto der = cassiopeia::server::certificate_der(bytes);
    return der ? cassiopeia::server::parse_certificate(*der) : std::nullopt;
}

bool encoding_differs(const cassiopeia::server::CertComparison& c) {
    for (const auto& f : c.fields) {
        if (f.field == "encoding") {
            return f.verdict != cassiopeia::server::FieldVerdict::same;
        }
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): fuzz target
    if (size < 2) {
        return 0;
    }
    try {
        const std::span<const uint8_t> all{data, size};
        const auto rest = all.subspan(2);
        const size_t split = std::min<size_t>(rest.size(), size_t{all[0]} << 8U | all[1]);
        // reinterpret_cast: the field name is text; view the bytes as characters.
        (void)allowable_field(
            {reinterpret_cast<const char*>(rest.data()), std::min<size_t>(rest.size(), 64)});
        const auto a = read(rest.first(split));
        const auto b = read(rest.subspan(split));
        for (const auto* c : {&a, &b}) {
            if (*c) {
                const auto self = compare_certificates(**c, **c, {});
                if (!self.equivalent() && !encoding_differs(self)) {
                    std::abort();  // only an encoding OpenSSL would not write may differ
                }
            }
        }
        if (a && b) {
            (void)compare_certificates(*a, *b, {"serial", "signature"});
            (void)compare_certificates(*b, *a, {});
        }
    } catch (const std::exception&) {
        std::abort();
    }
    return 0;
}
