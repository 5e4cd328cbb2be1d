// The key ceremony: `cassiopeia-server -c FILE new-time-ca --family F --from T --to T`
// makes a time CA signed by the root key, locally only (docs/protocol.md §5.2, docs/conventions.md
// §2). Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"

#include <ostream>
#include <string>

namespace cassiopeia::server {

struct CeremonyRequest {
    std::string family;            ///< lower-case letters, digits, '-'
    std::string from;              ///< YYYY-MM-DDTHH:MM:SSZ, may lie in the future
    std::string to;                ///< YYYY-MM-DDTHH:MM:SSZ
    std::string key_type = "rsa";  ///< rsa (RSA-2048) or ec (P-256)
};

/**
 * Makes `<family>_<year of from>_<n>` (n one above the highest of that family and year),
 * writes `<ca_certs>/<name>.pem` (0644) and `<ca_keys>/<name>.key` (0600, never overwriting),
 * prints one JSON line. Throws cassiopeia::Error{config} for a bad request or setting.
 */
[[nodiscard]] int run_new_time_ca(const ServerConfig& config,
                                  const CeremonyRequest& request,
                                  std::ostream& out);

}  // namespace cassiopeia::server
