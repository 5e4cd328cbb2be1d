// The repository's requests and certificates: the idempotency record of docs/protocol.md §6 and the
// issued certificates it points to.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "request_hash.hpp"
#include "util/time_util.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::server {

namespace sqlite {
class Database;
}  // namespace sqlite

/// What a stored job gives back for a repeated request id (docs/protocol.md §6).
struct StoredRequest {
    Sha256Digest hash{};
    std::vector<uint8_t> log;  ///< the setLog payload, byte for byte
    /// The respondCertificate payload: a DER certificate, or an armoured OpenPGP key (§5.5).
    std::vector<uint8_t> issued;
    std::string signing_ca;  ///< the signingCA payload: a CA name, or the certifying key's
    std::string serial;      ///< §5.4 text
};

/// One issued certificate with the job that produced it; stored by store_issued().
struct IssuedRecord {
    std::string request_id;  ///< `<namespace>:<decimal id>` (§5)
    Sha256Digest request_hash{};
    std::vector<uint8_t> log;
    std::vector<uint8_t> cert_der;
    std::string serial;  ///< canonical §5.4 text (format_serial of the DER INTEGER)
    std::string ca;
    UnixTime not_before{};
    UnixTime not_after{};
};

/// An OpenPGP certification job (docs/protocol.md §5.5): no X.509 certificate row, same
/// idempotency.
struct CertifiedKeyRecord {
    std::string request_id;
    Sha256Digest request_hash{};
    std::vector<uint8_t> log;
    std::vector<uint8_t> armoured_key;  ///< the respondCertificate payload
    std::string signer;                 ///< the signingCA payload: the certifying key's name
    std::string fingerprint;            ///< of the certified primary key, for the audit entry
};

struct CertificateRecord {
    std::string serial;
    std::string ca;
    std::vector<uint8_t> der;
    UnixTime not_before{};
    UnixTime not_after{};
    UnixTime issued_at{};
};

/**
 * Jobs and certificates of one repository. Reached only through Repository::Locked::requests(),
 * so every call runs under the repository's lock; each write is one transaction.
 */
class RequestBook final {
public:
    /// Made by Repository::Locked, which holds the lock for the view's lifetime.
    explicit RequestBook(sqlite::Database& db) noexcept : m_db(&db) {}

    [[nodiscard]] std::optional<StoredRequest> find(std::string_view request_id);
    /// One transaction: the request row, the certificate row and an `issue` audit entry.
    /// Throws Error{database} on a duplicate request id or serial (UNIQUE), Error{internal} on
    /// a malformed record (serial not canonical, empty fields, notAfter before notBefore).
    void store_issued(const IssuedRecord& record);
    /// One transaction: the request row (serial NULL) and a `certify` audit entry. find()
    /// then returns the armoured key as `issued` and an empty serial. Throws as store_issued.
    void store_certified_key(const CertifiedKeyRecord& record);
    /// serial in any §5.4 form.
    [[nodiscard]] std::optional<CertificateRecord> certificate_by_serial(std::string_view serial);
    [[nodiscard]] int64_t count_certificates();
    [[nodiscard]] int64_t count_jobs();

private:
    sqlite::Database* m_db;
};

}  // namespace cassiopeia::server
