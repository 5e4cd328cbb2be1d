// The re-sign ceremony, locally only (docs/key-ceremony.md, "Re-signing a root"):
// `resign` signs a CA certificate anew with the same key, `compare` proves field by field what
// changed. Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"

#include <ostream>

namespace cassiopeia::server {

/**
 * Claims the repository (refused while the signer serves it), signs `request.cert` anew
 * (resign_certificate), writes `request.out` (0644, never over a file), appends a `resign`
 * entry to the audit chain as the signer's user and prints one JSON line with the SHA-256
 * fingerprints. Throws cassiopeia::Error{config} for a refusal: nothing is written then.
 */
[[nodiscard]] int run_resign(const ServerConfig& config,
                             const ResignRequest& request,
                             std::ostream& out);

/**
 * Prints every field of the two certificates with its verdict, then the result. Returns
 * exit_code::ok when they differ only in allowed fields, exit_code::failure otherwise;
 * throws cassiopeia::Error{config} for an unreadable file or a field that cannot be allowed.
 */
[[nodiscard]] int run_compare(const CompareRequest& request, std::ostream& out);

}  // namespace cassiopeia::server
