// Pre-issuance lint: checks a to-be-signed certificate against its profile and the CA/Browser
// Forum rules that apply, before the CA key signs it (docs/profiles.md, "Pre-issuance lint").
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "issuance/ca_store.hpp"
#include "issuance/profile.hpp"
#include "issuance/request.hpp"
#include "util/time_util.hpp"

#include <openssl/x509.h>

#include <optional>
#include <string>
#include <vector>

namespace cassiopeia::server {

/** What the certificate must be: the request, the profile and the decisions taken on them. */
struct LintExpectations {
    const Profile& profile;
    const TimeCa& ca;
    EVP_PKEY* subject_key;
    const std::vector<San>& sans;
    const std::vector<Ava>& avas;
    std::string hash;                    ///< sha256 | sha384 | sha512
    std::vector<std::string> key_usage;  ///< effective usages (after key-type filtering)
    Period cap;
    SysSeconds not_before;
    SysSeconds not_after;
};

/** Serial size (docs/profiles.md): 16 bytes from the CSPRNG, positive. */
inline constexpr size_t serial_bytes = 16;

/**
 * Runs every check; returns the first finding (a short token plus detail, e.g.
 * `serial_length: 15 bytes`) or nullopt when the certificate is clean.
 */
[[nodiscard]] std::optional<std::string> lint_certificate(X509* cert, const LintExpectations& want);

/** The key usages a profile grants to a key of this type (EC: no key encipherment). */
[[nodiscard]] std::vector<std::string> effective_key_usage(const Profile& profile, EVP_PKEY* key);

}  // namespace cassiopeia::server
