// The signer's repository: issued certificates, idempotent jobs, CRL state and the hash-chained
// audit log, in one SQLite database inside the repository folder (docs/repository.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "request_hash.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::server {

/// Whole seconds since the epoch, UTC (protocol.md §5.2: times are whole seconds).
using UnixTime = std::chrono::sys_seconds;

/// What a stored job gives back for a repeated request id (protocol.md §6).
struct StoredRequest {
    Sha256Digest hash{};
    std::vector<uint8_t> log;       ///< the setLog payload, byte for byte
    std::vector<uint8_t> cert_der;  ///< the respondCertificate payload
    std::string ca;                 ///< the signingCA payload
    std::string serial;             ///< §5.4 text
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

/// An OpenPGP certification job (protocol.md §5.5): no X.509 certificate row, same idempotency.
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

/// RFC 5280 reason names that protocol.md §5.6 allows; returns the CRLReason code
/// (keyCompromise 1, affiliationChanged 3, superseded 4, cessationOfOperation 5,
/// privilegeWithdrawn 9) or nullopt for any other name.
[[nodiscard]] std::optional<int> crl_reason_code(std::string_view name);

/// One entry of a CRL.
struct RevocationEntry {
    std::string serial;  ///< canonical §5.4 text
    UnixTime revoked_at{};
    std::optional<std::string> reason;  ///< a name crl_reason_code() accepts; none = unspecified
};

/// A serial to revoke as it came from addSerial (any §5.4 form), with an optional reason.
struct RevokeItem {
    std::string serial;
    std::optional<std::string> reason;
};

/// What the CRL signer gets: CRL n's content and the delta from n-1 (protocol.md §5.6).
struct CrlInput {
    std::string ca;
    int64_t crl_number = 0;  ///< n, the number to sign
    UnixTime this_update{};
    UnixTime next_update{};
    std::vector<RevocationEntry> entries;  ///< CRL n, sorted by serial as an integer, ascending
    std::vector<RevocationEntry> added;    ///< in n and not in n-1, same order
    std::vector<std::string> dropped;      ///< in n-1 and not in n, same order
};

/// What the CRL signer returns: CRL n and the RevokedDelta from n-1 to n, both DER.
struct SignedCrl {
    std::vector<uint8_t> crl_der;
    std::vector<uint8_t> delta_der;
};

/// Signs CRL n. Called inside the repository's write transaction: if it throws, nothing is
/// stored and the exception propagates. It must not call back into the Repository.
using CrlSigner = std::function<SignedCrl(const CrlInput&)>;

struct CrlState {
    std::string ca;
    int64_t crl_number = 0;
    UnixTime this_update{};
    UnixTime next_update{};
    std::vector<uint8_t> crl_der;
    std::vector<uint8_t> delta_der;  ///< the delta that produced this CRL
    int64_t revoked = 0;             ///< entries on this CRL
};

struct RevokeOutcome {
    enum class Status {
        revoked,         ///< CRL n signed and stored; added/dropped say how it differs from n-1
        unchanged,       ///< every serial was already revoked: nothing signed (§5.6)
        unknown_ca,      ///< no CRL state for this CA (init_crl was never run)
        unknown_serial,  ///< `refused` lists serials never issued or unreadable; nothing done
        bad_reason,      ///< `refused` lists `serial,reason` with a reason §5.6 does not allow
        wrong_ca,        ///< `refused` lists serials of another CA; nothing done
    };
    Status status = Status::unknown_ca;
    std::vector<std::string> refused;
    std::vector<std::string> added;
    std::vector<std::string> dropped;
    CrlState crl;  ///< the state after the call (for refusals: as before, empty if unknown_ca)
};

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

struct AuditVerdict {
    bool ok = false;
    int64_t first_bad_seq = 0;  ///< 0 when ok
    std::string reason;         ///< empty when ok
    int64_t entries = 0;        ///< entries checked
    std::string head;           ///< hash of the last good entry (64 zeros if none)
};

/**
 * The repository. Every public call is one transaction and is serialised by an internal mutex,
 * so one Repository may be shared by the I/O thread and a worker pool. Database failures throw
 * cassiopeia::Error{database}; refusals the protocol defines are values (RevokeOutcome).
 */
class Repository final {
public:
    static constexpr const char* database_file_name = "repository.sqlite";
    static constexpr int64_t schema_version = 1;

    /// Opens (creating if needed) <folder>/repository.sqlite: WAL, synchronous=FULL, schema
    /// migrated to schema_version. The folder must exist (Error{config} otherwise).
    [[nodiscard]] static Repository open(const std::string& folder);
    /// Opens an existing repository without writing to it (audit-verify, check).
    [[nodiscard]] static Repository open_read_only(const std::string& folder);

    ~Repository();
    Repository(Repository&&) noexcept;
    Repository& operator=(Repository&&) noexcept;
    Repository(const Repository&) = delete;
    Repository& operator=(const Repository&) = delete;

    // --- jobs and certificates (protocol.md §6) ---
    [[nodiscard]] std::optional<StoredRequest> find_request(std::string_view request_id);
    /// One transaction: the request row, the certificate row and an `issue` audit entry.
    /// Throws Error{database} on a duplicate request id or serial (UNIQUE), Error{internal} on
    /// a malformed record (serial not canonical, empty fields, notAfter before notBefore).
    void store_issued(const IssuedRecord& record);
    /// One transaction: the request row (serial NULL) and a `certify` audit entry. find_request
    /// then returns the armoured key as cert_der and an empty serial. Throws as store_issued.
    void store_certified_key(const CertifiedKeyRecord& record);
    /// serial in any §5.4 form.
    [[nodiscard]] std::optional<CertificateRecord> certificate_by_serial(std::string_view serial);
    [[nodiscard]] int64_t count_certificates();
    [[nodiscard]] int64_t count_jobs();

    // --- CRLs (protocol.md §5.6) ---
    [[nodiscard]] std::optional<CrlState> crl_state(std::string_view ca);
    [[nodiscard]] std::vector<CrlState> crl_states();
    /// Creates CRL number 1 (empty) for ca if the CA has no CRL state; otherwise returns the
    /// existing state and does not call sign.
    CrlState init_crl(std::string_view ca,
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
    CrlState renew_crl(std::string_view ca,
                       UnixTime this_update,
                       UnixTime next_update,
                       const CrlSigner& sign);
    /// The entries on the current CRL of ca, sorted by serial as an integer.
    [[nodiscard]] std::vector<RevocationEntry> crl_entries(std::string_view ca);

    // --- audit log ---
    /// Appends one entry (time = now). kind: [a-z0-9_-]+, detail: text, never key material.
    AuditEntry audit_append(std::string_view kind, std::string_view detail);
    /// Hash of the last entry, hex; 64 zeros for an empty chain.
    [[nodiscard]] std::string audit_head();
    [[nodiscard]] std::vector<AuditEntry> audit_entries();
    /// Walks the whole chain; see docs/repository.md for what is checked.
    [[nodiscard]] AuditVerdict audit_verify();

private:
    struct Impl;
    explicit Repository(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

/**
 * `cassiopeia-server -c FILE audit-verify`: opens the repository read-only and walks the audit
 * chain. Prints one line to out. Returns 0 if the chain is intact, 1 if an entry was changed or
 * removed (the line names its seq and why) or the repository cannot be read.
 */
[[nodiscard]] int run_audit_verify(const std::string& repository_folder, std::ostream& out);

}  // namespace cassiopeia::server
