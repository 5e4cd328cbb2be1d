// What the client reads from a certified OpenPGP key: its fingerprint and user IDs.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::client::ossl {

struct OpenPgpSummary {
    std::string fingerprint;        ///< v4: 40 upper-case hex digits (RFC 4880 §12.2)
    std::vector<std::string> uids;  ///< the user IDs the key carries, in order
};

/**
 * Dearmours a `PGP PUBLIC KEY BLOCK` (base64 through OpenSSL, CRC-24 checked) and reads the
 * primary key's fingerprint and the user IDs. nullopt when it is not exactly that.
 */
[[nodiscard]] std::optional<OpenPgpSummary> summarize_openpgp_key(std::string_view armoured);

}  // namespace cassiopeia::client::ossl
