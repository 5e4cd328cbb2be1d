// A certificate signed anew: the re-sign ceremony's builder. It keeps every byte of the old
// certificate's TBS but the fields the operator asked to change, and proves it with
// compare_certificates before handing the result out (docs/key-ceremony.md, "Re-signing").
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "issuance/ca_key.hpp"
#include "issuance/cert_compare.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cassiopeia::server {

struct ResignChanges {
    const EVP_MD* md = nullptr;                  ///< the new signature's digest
    std::optional<std::vector<uint8_t>> serial;  ///< a new serial: positive magnitude, <= 20 bytes
    std::vector<std::string> crl_urls;           ///< non-empty: cRLDistributionPoints names these
    std::vector<std::string> ocsp_urls;  ///< non-empty: the OCSP entries of authorityInfoAccess
    bool aki_key_id_only = false;        ///< authorityKeyIdentifier reduced to its key identifier
};

/**
 * The fields `changes` may change, by compare_certificates' names: always `signature`, then
 * `serial`, `crlDistributionPoints`, `authorityInfoAccess`, `authorityKeyIdentifier` as asked.
 */
[[nodiscard]] std::set<std::string> changed_fields(const ResignChanges& changes);

/**
 * Signs `old_cert` anew with `key`, the key of `issuer` (for a self-signed root: the old
 * certificate itself). Before anything is signed: `issuer`'s subject must be the old
 * certificate's issuer, `key` must be `issuer`'s and the old signature must verify with it.
 * After: the new certificate must verify with `issuer`'s key, be issued by it as OpenSSL judges
 * (X509_check_issued, the authority key identifier included; a root by itself), and compare
 * equal to the old one but for changed_fields(changes).
 * Throws cassiopeia::Error{config} with the reason when any of that fails, {crypto} for a token
 * fault.
 */
[[nodiscard]] ParsedCertificate resign_certificate(const ParsedCertificate& old_cert,
                                                   X509* issuer,
                                                   const CaKey& key,
                                                   const ResignChanges& changes);

}  // namespace cassiopeia::server
