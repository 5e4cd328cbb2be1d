// The repository's hash-chained audit log: append, head, entries and the chain walk of
// audit-verify (docs/repository.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "request_hash.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::server {

namespace sqlite {
class Database;
}  // namespace sqlite

struct AuditEntry {
    int64_t seq = 0;
    std::string time;  ///< `YYYY-MM-DDTHH:MM:SSZ`
    std::string kind;
    std::string detail;
    std::string prev_hash;  ///< lower-case hex
    std::string hash;       ///< lower-case hex
};

/**
 * The chain hash of one audit entry: SHA-256 over
 * `seq u64 | len u32 | time | len u32 | kind | len u32 | detail | prev_hash (32 bytes)`,
 * integers little-endian as on the wire, lengths in bytes, prev_hash as raw bytes.
 * Returns nullopt if prev_hash_hex is not 64 hex digits.
 */
[[nodiscard]] std::optional<Sha256Digest> audit_entry_hash(int64_t seq,
                                                           std::string_view time,
                                                           std::string_view kind,
                                                           std::string_view detail,
                                                           std::string_view prev_hash_hex);

struct AuditTip {
    int64_t seq = 0;
    std::string hash;  ///< lower-case hex
};

struct AuditVerdict {
    bool ok = false;
    int64_t first_bad_seq = 0;  ///< 0 when ok, or when a table row has no entry behind it
    std::string reason;         ///< empty when ok
    /// The chain is intact but a table row disagrees with it (or an entry has no row).
    bool history_mismatch = false;
    int64_t entries = 0;  ///< entries checked
    std::string head;     ///< hash of the last good entry (64 zeros if none)
};

/**
 * The audit chain of one repository. Reached only through Repository::Locked::audit(), so
 * every call runs under the repository's lock; each call is one transaction.
 */
class AuditLog final {
public:
    /// Made by Repository::Locked, which holds the lock for the view's lifetime.
    explicit AuditLog(sqlite::Database& db) noexcept : m_db(&db) {}

    /// Appends one entry (time = now). kind: [a-z0-9_-]+, detail: text, never key material.
    AuditEntry append(std::string_view kind, std::string_view detail);
    /// Hash of the last entry, hex; 64 zeros for an empty chain.
    [[nodiscard]] std::string head();
    /// The last entry's seq and hash (0 and 64 zeros for an empty chain): the status report's
    /// `audit_seq` and `audit_head`, which the client anchors outside the signer.
    [[nodiscard]] AuditTip tip();
    [[nodiscard]] std::vector<AuditEntry> entries();
    /// Walks the whole chain, then checks every row of certificates, requests, crl_state and
    /// revoked against the entries (history_check.hpp); see docs/repository.md.
    [[nodiscard]] AuditVerdict verify();

private:
    sqlite::Database* m_db;
};

}  // namespace cassiopeia::server
