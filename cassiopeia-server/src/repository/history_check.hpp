// The cross-check of audit-verify: every row of certificates, requests, crl_state and revoked
// must be the one its audit entries describe, and every such entry must have its row
// (docs/repository.md, "What audit-verify checks").
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cassiopeia::server {

namespace sqlite {
class Database;
}  // namespace sqlite

/**
 * The `key=value` fields of an audit entry's detail, as the repository writes them: separated
 * by single spaces, each key `[a-z0-9_]+` and unique, each value printable ASCII without
 * spaces (may be empty).
 * nullopt for anything else: empty text, a field without `=`, an empty or bad key, a repeated
 * key, a leading, trailing or doubled space.
 */
[[nodiscard]] std::optional<std::map<std::string, std::string, std::less<>>> parse_audit_detail(
    std::string_view detail);

struct HistoryFault {
    int64_t seq = 0;  ///< the audit entry concerned; 0 for a row that no entry describes
    std::string reason;
};

/**
 * Replays the audit entries of kinds issue, certify, crl-init, revoke and crl-renew into the
 * rows they must have written and compares the four tables with them both ways. Fields an
 * entry of an older schema does not carry are not compared. Runs inside the caller's read
 * transaction; nullopt when everything matches.
 */
[[nodiscard]] std::optional<HistoryFault> check_history(sqlite::Database& db);

}  // namespace cassiopeia::server
