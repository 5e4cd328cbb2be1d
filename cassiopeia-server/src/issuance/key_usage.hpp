// The RFC 5280 keyUsage names that profiles, the builder and the lint speak: one table of the
// names, their bit numbers in the KeyUsage BIT STRING and OpenSSL's KU_* flags.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace cassiopeia::server {

/** One keyUsage bit (RFC 5280 §4.2.1.3). */
struct KeyUsage {
    std::string_view name;  ///< as profiles write it, e.g. digitalSignature
    int bit;                ///< bit number in the BIT STRING (ASN1_BIT_STRING_set_bit)
    uint32_t ku_flag;       ///< OpenSSL's KU_* flag, as X509_get_key_usage reports it
};

/** Every keyUsage bit, in bit order. */
inline constexpr std::array<KeyUsage, 9> key_usages = {{
    {"digitalSignature", 0, KU_DIGITAL_SIGNATURE},
    {"nonRepudiation", 1, KU_NON_REPUDIATION},
    {"keyEncipherment", 2, KU_KEY_ENCIPHERMENT},
    {"dataEncipherment", 3, KU_DATA_ENCIPHERMENT},
    {"keyAgreement", 4, KU_KEY_AGREEMENT},
    {"keyCertSign", 5, KU_KEY_CERT_SIGN},
    {"cRLSign", 6, KU_CRL_SIGN},
    {"encipherOnly", 7, KU_ENCIPHER_ONLY},
    {"decipherOnly", 8, KU_DECIPHER_ONLY},
}};

/** The names of key_usages, in bit order (what a profile's key_usage may list). */
inline constexpr std::array<std::string_view, key_usages.size()> key_usage_names = [] {
    std::array<std::string_view, key_usages.size()> names{};
    std::transform(key_usages.begin(), key_usages.end(), names.begin(), [](const KeyUsage& k) {
        return k.name;
    });
    return names;
}();

/** The keyUsage called `name`; nullopt for a name that is not one. */
[[nodiscard]] std::optional<KeyUsage> key_usage_by_name(std::string_view name) noexcept;

/** The keyUsage at bit number `bit`; nullopt outside 0..8. */
[[nodiscard]] std::optional<KeyUsage> key_usage_by_bit(int bit) noexcept;

/**
 * Whether a key of OpenSSL base type `key_type` (EVP_PKEY_EC, EVP_PKEY_RSA, ...) may carry the
 * usage `name` (CA/B BR §7.1.2.7.11, RFC 5480): EC keys never encipher keys or data, RSA keys
 * never agree.
 */
[[nodiscard]] bool key_usage_fits_key(std::string_view name, int key_type) noexcept;

}  // namespace cassiopeia::server
