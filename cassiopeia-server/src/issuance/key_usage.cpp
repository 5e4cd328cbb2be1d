// The keyUsage table's look-ups.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/key_usage.hpp"

#include <openssl/evp.h>

namespace cassiopeia::server {

std::optional<KeyUsage> key_usage_by_name(std::string_view name) noexcept {
    for (const KeyUsage& k : key_usages) {
        if (k.name == name) {
            return k;
        }
    }
    return std::nullopt;
}

std::optional<KeyUsage> key_usage_by_bit(int bit) noexcept {
    for (const KeyUsage& k : key_usages) {
        if (k.bit == bit) {
            return k;
        }
    }
    return std::nullopt;
}

bool key_usage_fits_key(std::string_view name, int key_type) noexcept {
    if (key_type == EVP_PKEY_EC) {
        return name != "keyEncipherment" && name != "dataEncipherment";
    }
    if (key_type == EVP_PKEY_RSA) {
        return name != "keyAgreement";
    }
    return true;
}

}  // namespace cassiopeia::server
