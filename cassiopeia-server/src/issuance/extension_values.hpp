// Values of the URL-bearing extensions, shared by the builder and the re-sign ceremony:
// general names holding an IA5String, cRLDistributionPoints and authorityInfoAccess entries.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/ossl/handles.hpp>

#include <openssl/x509v3.h>

#include <string>
#include <vector>

namespace cassiopeia::server {

/** A GENERAL_NAME of `type` (GEN_DNS, GEN_EMAIL, GEN_URI) holding `value` as an IA5String. */
[[nodiscard]] GENERAL_NAME* new_ia5_name(int type, const std::string& value);

/** Appends `gn` to `names`, which then owns it (freed on failure, which throws). */
void push_name(GENERAL_NAMES* names, GENERAL_NAME* gn);

/**
 * cRLDistributionPoints with one distribution point whose fullName lists `urls` (one CRL, at
 * each of these places). Throws cassiopeia::Error{crypto} when OpenSSL fails.
 */
[[nodiscard]] ossl::CrlDistPointsPtr crl_distribution_points(const std::vector<std::string>& urls);

/** Appends an access description (`method`: NID_ad_OCSP, NID_ad_ca_issuers) for `url`. */
void push_access_description(AUTHORITY_INFO_ACCESS* aia, int method, const std::string& url);

}  // namespace cassiopeia::server
