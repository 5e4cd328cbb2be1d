// The repository's CRL book: per-CA CRL numbers and state, revocation entries, and the
// transactions that sign and store the next CRL (docs/protocol.md §5.6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "crl/crl_types.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace cassiopeia::server {

namespace sqlite {
class Database;
}  // namespace sqlite

/**
 * CRL state and entries of one repository. Reached only through Repository::Locked::crls(), so
 * every call runs under the repository's lock; each call is one transaction, and a CrlSigner
 * runs inside it.
 */
class CrlBook final {
public:
    /// Made by Repository::Locked, which holds the lock for the view's lifetime.
    explicit CrlBook(sqlite::Database& db) noexcept : m_db(&db) {}

    [[nodiscard]] std::optional<CrlState> state(std::string_view ca);
    [[nodiscard]] std::vector<CrlState> states();
    /// Creates CRL number 1 (empty) for ca if the CA has no CRL state; otherwise returns the
    /// existing state and does not call sign.
    CrlState init(std::string_view ca,
                  UnixTime this_update,
                  UnixTime next_update,
                  const CrlSigner& sign);
    /// Revokes serials of ca at revoked_at (= CRL n's thisUpdate) and stores CRL n, its delta,
    /// the new entries and a `revoke` audit entry in one transaction. Already revoked serials
    /// keep their entry; when nothing is new, nothing is signed (`unchanged`). CRL n also drops
    /// the entries whose notAfter is before CRL n-1's thisUpdate (RFC 5280 §3.3).
    [[nodiscard]] RevokeOutcome revoke(std::string_view ca,
                                       const std::vector<RevokeItem>& items,
                                       UnixTime revoked_at,
                                       UnixTime next_update,
                                       const CrlSigner& sign);
    /// Signs CRL n+1 with no new entry (periodic re-issue before nextUpdate; drops expired ones).
    /// Throws Error{internal} if ca has no CRL state.
    CrlState renew(std::string_view ca,
                   UnixTime this_update,
                   UnixTime next_update,
                   const CrlSigner& sign);
    /// The entries on the current CRL of ca, sorted by serial as an integer.
    [[nodiscard]] std::vector<RevocationEntry> entries(std::string_view ca);

private:
    sqlite::Database* m_db;
};

}  // namespace cassiopeia::server
