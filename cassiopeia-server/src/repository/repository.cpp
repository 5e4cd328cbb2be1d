// The signer's repository on SQLite: schema migrations, jobs, certificates, CRL state, audit chain.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "repository/repository.hpp"

#include "issuance/time_util.hpp"
#include "sqlite/database.hpp"

#include <librecord/errors.hpp>
#include <librecord/hex.hpp>
#include <librecord/serial_text.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <ostream>
#include <set>
#include <utility>

namespace cassiopeia::server {

namespace {

using sqlite::Database;
using sqlite::Statement;
using sqlite::Transaction;

struct Migration {
    int64_t version;
    const char* sql;
};

// Migrations run in order, each inside the opening transaction (SQLite DDL is transactional).
// Never edit a released migration: add the next number. docs/repository.md describes the schema.
constexpr std::array<Migration, 1> migrations{{
    {1, R"sql(
CREATE TABLE certificates (
    serial     TEXT PRIMARY KEY NOT NULL
               CHECK (length(serial) >= 2 AND length(serial) % 2 = 0),
    ca         TEXT NOT NULL CHECK (ca <> ''),
    der        BLOB NOT NULL CHECK (length(der) > 0),
    not_before INTEGER NOT NULL,
    not_after  INTEGER NOT NULL CHECK (not_after >= not_before),
    issued_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX certificates_by_ca ON certificates (ca);
CREATE TRIGGER certificates_no_update BEFORE UPDATE ON certificates
BEGIN SELECT RAISE(ABORT, 'certificates are never changed'); END;
CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates
BEGIN SELECT RAISE(ABORT, 'certificates are never deleted'); END;

CREATE TABLE requests (
    request_id   TEXT PRIMARY KEY NOT NULL CHECK (request_id <> ''),
    request_hash BLOB NOT NULL CHECK (length(request_hash) = 32),
    log          BLOB NOT NULL,
    result       BLOB NOT NULL,
    signing_ca   TEXT NOT NULL,
    serial       TEXT UNIQUE REFERENCES certificates (serial),
    created      INTEGER NOT NULL
) STRICT;
CREATE TRIGGER requests_no_update BEFORE UPDATE ON requests
BEGIN SELECT RAISE(ABORT, 'requests are never changed'); END;
CREATE TRIGGER requests_no_delete BEFORE DELETE ON requests
BEGIN SELECT RAISE(ABORT, 'requests are never deleted'); END;

CREATE TABLE crl_state (
    ca          TEXT PRIMARY KEY NOT NULL CHECK (ca <> ''),
    crl_number  INTEGER NOT NULL CHECK (crl_number >= 1),
    this_update INTEGER NOT NULL,
    next_update INTEGER NOT NULL CHECK (next_update > this_update),
    crl_der     BLOB NOT NULL CHECK (length(crl_der) > 0),
    delta_der   BLOB NOT NULL
) STRICT;
CREATE TRIGGER crl_number_increases BEFORE UPDATE ON crl_state
WHEN NEW.crl_number <= OLD.crl_number OR NEW.ca IS NOT OLD.ca
BEGIN SELECT RAISE(ABORT, 'crl_number must increase'); END;
CREATE TRIGGER crl_state_no_delete BEFORE DELETE ON crl_state
BEGIN SELECT RAISE(ABORT, 'CRL state is never deleted'); END;

CREATE TABLE revoked (
    serial      TEXT PRIMARY KEY NOT NULL REFERENCES certificates (serial),
    ca          TEXT NOT NULL REFERENCES crl_state (ca),
    revoked_at  INTEGER NOT NULL,
    reason      TEXT CHECK (reason IS NULL OR reason IN ('keyCompromise', 'affiliationChanged',
                    'superseded', 'cessationOfOperation', 'privilegeWithdrawn')),
    crl_added   INTEGER NOT NULL CHECK (crl_added >= 2),
    crl_dropped INTEGER CHECK (crl_dropped IS NULL OR crl_dropped > crl_added)
) STRICT;
CREATE INDEX revoked_listed ON revoked (ca, crl_dropped);

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    time      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash      TEXT NOT NULL CHECK (length(hash) = 64)
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql"},
}};

const std::string zero_hash(64, '0');

int64_t to_db(UnixTime t) {
    return static_cast<int64_t>(t.time_since_epoch().count());
}

UnixTime from_db(int64_t v) {
    return UnixTime{std::chrono::seconds{v}};
}

UnixTime now() {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::span<const uint8_t> as_bytes(std::string_view s) {
    // reinterpret_cast: the bytes of a char string
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

[[noreturn]] void invariant(const char* call, const std::string& why) {
    throw Error{ErrorKind::internal, call, why};
}

bool valid_kind(std::string_view kind) {
    return !kind.empty() && kind.size() <= 32 && std::all_of(kind.begin(), kind.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

/// Canonical serials compare as integers by (length, text): same-length upper-case hex
/// compares like the number because '0'..'9' < 'A'..'F' in ASCII.
bool serial_less(std::string_view a, std::string_view b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) {
            out += ',';
        }
        out += s;
    }
    return out;
}

// ---- audit chain --------------------------------------------------------------------------

struct ChainTip {
    int64_t next_seq = 1;
    std::string prev_hash = zero_hash;
};

ChainTip chain_tip(Database& db) {
    ChainTip tip;
    auto last = db.prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    int64_t last_seq = 0;
    if (last.step()) {
        last_seq = last.column_int64(0);
        tip.prev_hash = last.column_text(1);
    }
    // AUTOINCREMENT keeps the highest seq ever used in sqlite_sequence: continuing after it
    // leaves a visible gap if entries at the tail were removed.
    auto used = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'");
    int64_t used_seq = 0;
    if (used.step()) {
        used_seq = used.column_int64(0);
    }
    tip.next_seq = std::max(last_seq, used_seq) + 1;
    return tip;
}

/// Appends inside the caller's write transaction.
AuditEntry append_audit(Database& db, std::string_view kind, std::string_view detail) {
    if (!valid_kind(kind)) {
        invariant("audit_append", "bad audit kind '" + std::string{kind} + "'");
    }
    const ChainTip tip = chain_tip(db);
    AuditEntry e;
    e.seq = tip.next_seq;
    e.time = format_utc(now());
    e.kind = kind;
    e.detail = detail;
    e.prev_hash = tip.prev_hash;
    const auto h = audit_entry_hash(e.seq, e.time, e.kind, e.detail, e.prev_hash);
    if (!h) {
        invariant("audit_append",
                  "stored hash of entry " + std::to_string(e.seq - 1) + " is not hex");
    }
    e.hash = librecord::to_hex(*h, librecord::HexCase::lower);
    db.prepare(
          "INSERT INTO audit_log (seq, time, kind, detail, prev_hash, hash) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind_int64(1, e.seq)
        .bind_text(2, e.time)
        .bind_text(3, e.kind)
        .bind_text(4, e.detail)
        .bind_text(5, e.prev_hash)
        .bind_text(6, e.hash)
        .run();
    return e;
}

// ---- CRL helpers --------------------------------------------------------------------------

std::optional<CrlState> load_crl_state(Database& db, std::string_view ca) {
    auto st = db.prepare(
        "SELECT crl_number, this_update, next_update, crl_der, delta_der, "
        "(SELECT count(*) FROM revoked r WHERE r.ca = s.ca AND r.crl_dropped IS NULL) "
        "FROM crl_state s WHERE ca = ?1");
    st.bind_text(1, ca);
    if (!st.step()) {
        return std::nullopt;
    }
    CrlState s;
    s.ca = ca;
    s.crl_number = st.column_int64(0);
    s.this_update = from_db(st.column_int64(1));
    s.next_update = from_db(st.column_int64(2));
    s.crl_der = st.column_blob(3);
    s.delta_der = st.column_blob(4);
    s.revoked = st.column_int64(5);
    return s;
}

struct ListedEntry {
    RevocationEntry entry;
    UnixTime not_after{};
};

std::vector<ListedEntry> listed_entries(Database& db, std::string_view ca) {
    auto st = db.prepare(
        "SELECT r.serial, r.revoked_at, r.reason, c.not_after FROM revoked r "
        "JOIN certificates c ON c.serial = r.serial WHERE r.ca = ?1 AND r.crl_dropped IS NULL");
    st.bind_text(1, ca);
    std::vector<ListedEntry> out;
    while (st.step()) {
        out.push_back({{st.column_text(0), from_db(st.column_int64(1)), st.column_optional_text(2)},
                       from_db(st.column_int64(3))});
    }
    std::sort(out.begin(), out.end(), [](const ListedEntry& a, const ListedEntry& b) {
        return serial_less(a.entry.serial, b.entry.serial);
    });
    return out;
}

void sort_entries(std::vector<RevocationEntry>& v) {
    std::sort(v.begin(), v.end(), [](const RevocationEntry& a, const RevocationEntry& b) {
        return serial_less(a.serial, b.serial);
    });
}

struct NextCrl {
    CrlState state;
    std::vector<std::string> added;
    std::vector<std::string> dropped;
};

/// Signs and stores CRL n = current + 1 inside the caller's write transaction: adds `added`,
/// drops listed entries whose notAfter is before CRL n-1's thisUpdate (RFC 5280 §3.3,
/// protocol.md §5.6), and appends an audit entry of the given kind.
NextCrl sign_next_crl(Database& db,
                      const CrlState& current,
                      std::vector<RevocationEntry> added,
                      UnixTime this_update,
                      UnixTime next_update,
                      const CrlSigner& sign,
                      std::string_view audit_kind) {
    if (next_update <= this_update) {
        invariant("sign_next_crl", "nextUpdate must be after thisUpdate");
    }
    sort_entries(added);
    CrlInput input;
    input.ca = current.ca;
    input.crl_number = current.crl_number + 1;
    input.this_update = this_update;
    input.next_update = next_update;
    for (auto& listed : listed_entries(db, current.ca)) {
        if (listed.not_after < current.this_update) {
            input.dropped.push_back(listed.entry.serial);
        } else {
            input.entries.push_back(std::move(listed.entry));
        }
    }
    input.entries.insert(input.entries.end(), added.begin(), added.end());
    sort_entries(input.entries);
    input.added = std::move(added);

    const SignedCrl signed_crl = sign(input);
    if (signed_crl.crl_der.empty()) {
        invariant("sign_next_crl", "the CRL signer returned no CRL");
    }

    const int64_t n = input.crl_number;
    auto add = db.prepare(
        "INSERT INTO revoked (serial, ca, revoked_at, reason, crl_added) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    for (const auto& e : input.added) {
        add.bind_text(1, e.serial).bind_text(2, current.ca).bind_int64(3, to_db(e.revoked_at));
        if (e.reason) {
            add.bind_text(4, *e.reason);
        } else {
            add.bind_null(4);
        }
        add.bind_int64(5, n).run();
        add.reset();
    }
    auto drop = db.prepare("UPDATE revoked SET crl_dropped = ?1 WHERE serial = ?2");
    for (const auto& serial : input.dropped) {
        drop.bind_int64(1, n).bind_text(2, serial).run();
        drop.reset();
    }
    db.prepare(
          "UPDATE crl_state SET crl_number = ?1, this_update = ?2, next_update = ?3, "
          "crl_der = ?4, delta_der = ?5 WHERE ca = ?6")
        .bind_int64(1, n)
        .bind_int64(2, to_db(this_update))
        .bind_int64(3, to_db(next_update))
        .bind_blob(4, signed_crl.crl_der)
        .bind_blob(5, signed_crl.delta_der)
        .bind_text(6, current.ca)
        .run();

    NextCrl out;
    for (const auto& e : input.added) {
        out.added.push_back(e.serial);
    }
    out.dropped = input.dropped;
    append_audit(
        db,
        audit_kind,
        "ca=" + current.ca + " crl_number=" + std::to_string(n) +
            " this_update=" + format_utc(this_update) + " next_update=" + format_utc(next_update) +
            " added=" + join(out.added) + " dropped=" + join(out.dropped) + " crl_sha256=" +
            librecord::to_hex(Sha256::digest(signed_crl.crl_der), librecord::HexCase::lower));
    out.state = CrlState{current.ca,
                         n,
                         this_update,
                         next_update,
                         signed_crl.crl_der,
                         signed_crl.delta_der,
                         static_cast<int64_t>(input.entries.size())};
    return out;
}

int64_t read_schema_version(Database& db) {
    auto exists = db.prepare(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
    if (!exists.step() || exists.column_int64(0) == 0) {
        return 0;
    }
    auto st = db.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
    return st.step() ? st.column_int64(0) : 0;
}

void migrate(Database& db, const std::string& path) {
    Transaction tx{db};
    db.exec(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY NOT NULL, applied TEXT NOT NULL) STRICT;");
    const int64_t current = read_schema_version(db);
    if (current > Repository::schema_version) {
        throw Error{ErrorKind::config,
                    "Repository::open",
                    path + ": schema version " + std::to_string(current) +
                        " is newer than this signer's (" +
                        std::to_string(Repository::schema_version) + ")"};
    }
    for (const auto& m : migrations) {
        if (m.version <= current) {
            continue;
        }
        db.exec(m.sql);
        db.prepare("INSERT INTO schema_version (version, applied) VALUES (?1, ?2)")
            .bind_int64(1, m.version)
            .bind_text(2, format_utc(now()))
            .run();
        append_audit(db, "schema", "version=" + std::to_string(m.version));
    }
    tx.commit();
}

std::string database_path(const std::string& folder) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
        throw Error{ErrorKind::config, "Repository::open", folder + ": not a directory"};
    }
    return (fs::path{folder} / Repository::database_file_name).string();
}

}  // namespace

// ---- free functions -------------------------------------------------------------------------

std::optional<int> crl_reason_code(std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, int>, 5> reasons{{
        {"keyCompromise", 1},
        {"affiliationChanged", 3},
        {"superseded", 4},
        {"cessationOfOperation", 5},
        {"privilegeWithdrawn", 9},
    }};
    for (const auto& [n, code] : reasons) {
        if (n == name) {
            return code;
        }
    }
    return std::nullopt;
}

std::optional<Sha256Digest> audit_entry_hash(int64_t seq,
                                             std::string_view time,
                                             std::string_view kind,
                                             std::string_view detail,
                                             std::string_view prev_hash_hex) {
    if (prev_hash_hex.size() != 64) {
        return std::nullopt;
    }
    Sha256Digest prev{};
    for (size_t i = 0; i < prev.size(); ++i) {
        uint8_t byte = 0;
        for (size_t k = 0; k < 2; ++k) {
            const char c = prev_hash_hex[2 * i + k];
            uint8_t v = 0;
            if (c >= '0' && c <= '9') {
                v = static_cast<uint8_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                v = static_cast<uint8_t>(c - 'a' + 10);
            } else {
                return std::nullopt;  // only the lower-case form we write is canonical
            }
            byte = static_cast<uint8_t>((byte << 4U) | v);
        }
        prev[i] = byte;
    }
    Sha256 sha;
    const auto put_u32 = [&sha](size_t n) {
        const auto v = static_cast<uint32_t>(n);
        const std::array<uint8_t, 4> le{static_cast<uint8_t>(v & 0xFFU),
                                        static_cast<uint8_t>((v >> 8U) & 0xFFU),
                                        static_cast<uint8_t>((v >> 16U) & 0xFFU),
                                        static_cast<uint8_t>(v >> 24U)};
        sha.update(le);
    };
    std::array<uint8_t, 8> seq_le{};
    const auto useq = static_cast<uint64_t>(seq);
    for (size_t i = 0; i < seq_le.size(); ++i) {
        seq_le[i] = static_cast<uint8_t>((useq >> (8U * i)) & 0xFFU);
    }
    sha.update(seq_le);
    for (const std::string_view field : {time, kind, detail}) {
        if (field.size() > UINT32_MAX) {
            return std::nullopt;
        }
        put_u32(field.size());
        sha.update(as_bytes(field));
    }
    sha.update(prev);
    return sha.finish();
}

// ---- Repository ---------------------------------------------------------------------------

struct Repository::Impl {
    explicit Impl(Database d) : db(std::move(d)) {}

    Database db;
    std::mutex mutex;
};

Repository::Repository(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Repository::~Repository() = default;
Repository::Repository(Repository&&) noexcept = default;
Repository& Repository::operator=(Repository&&) noexcept = default;

Repository Repository::open(const std::string& folder) {
    const std::string path = database_path(folder);
    Database db = Database::open(path, sqlite::OpenMode::create);
    {
        auto mode = db.prepare("PRAGMA journal_mode = WAL");
        if (!mode.step() || mode.column_text(0) != "wal") {
            throw Error{ErrorKind::database, "PRAGMA journal_mode", path + ": WAL not available"};
        }
    }
    db.exec("PRAGMA synchronous = FULL;");
    migrate(db, path);
    return Repository{std::make_unique<Impl>(std::move(db))};
}

Repository Repository::open_read_only(const std::string& folder) {
    const std::string path = database_path(folder);
    if (!std::filesystem::exists(path)) {
        throw Error{ErrorKind::config, "Repository::open_read_only", path + ": no repository"};
    }
    Database db = Database::open(path, sqlite::OpenMode::read_only);
    const int64_t version = read_schema_version(db);
    if (version < 1 || version > schema_version) {
        throw Error{ErrorKind::config,
                    "Repository::open_read_only",
                    path + ": unsupported schema version " + std::to_string(version)};
    }
    return Repository{std::make_unique<Impl>(std::move(db))};
}

std::optional<StoredRequest> Repository::find_request(std::string_view request_id) {
    const std::lock_guard lock{m_impl->mutex};
    auto st = m_impl->db.prepare(
        "SELECT request_hash, log, result, signing_ca, coalesce(serial, '') "
        "FROM requests WHERE request_id = ?1");
    st.bind_text(1, request_id);
    if (!st.step()) {
        return std::nullopt;
    }
    StoredRequest out;
    const auto hash = st.column_blob(0);
    if (hash.size() != out.hash.size()) {
        invariant("find_request", "stored request hash has the wrong length");
    }
    std::copy(hash.begin(), hash.end(), out.hash.begin());
    out.log = st.column_blob(1);
    out.cert_der = st.column_blob(2);
    out.ca = st.column_text(3);
    out.serial = st.column_text(4);
    return out;
}

void Repository::store_issued(const IssuedRecord& r) {
    if (r.request_id.empty() || r.ca.empty() || r.cert_der.empty()) {
        invariant("store_issued", "empty request id, CA or certificate");
    }
    if (!librecord::is_canonical_serial(r.serial)) {
        invariant("store_issued", "serial '" + r.serial + "' is not in the form of §5.4");
    }
    if (r.not_after < r.not_before) {
        invariant("store_issued", "notAfter before notBefore");
    }
    const std::lock_guard lock{m_impl->mutex};
    Database& db = m_impl->db;
    Transaction tx{db};
    const UnixTime issued_at = now();
    db.prepare(
          "INSERT INTO certificates (serial, ca, der, not_before, not_after, issued_at) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
        .bind_text(1, r.serial)
        .bind_text(2, r.ca)
        .bind_blob(3, r.cert_der)
        .bind_int64(4, to_db(r.not_before))
        .bind_int64(5, to_db(r.not_after))
        .bind_int64(6, to_db(issued_at))
        .run();
    db.prepare(
          "INSERT INTO requests (request_id, request_hash, log, result, signing_ca, serial, "
          "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
        .bind_text(1, r.request_id)
        .bind_blob(2, r.request_hash)
        .bind_blob(3, r.log)
        .bind_blob(4, r.cert_der)
        .bind_text(5, r.ca)
        .bind_text(6, r.serial)
        .bind_int64(7, to_db(issued_at))
        .run();
    append_audit(
        db,
        "issue",
        "request_id=" + r.request_id + " ca=" + r.ca + " serial=" + r.serial +
            " not_before=" + format_utc(r.not_before) + " not_after=" + format_utc(r.not_after) +
            " request_hash=" + librecord::to_hex(r.request_hash, librecord::HexCase::lower) +
            " log_sha256=" + librecord::to_hex(Sha256::digest(r.log), librecord::HexCase::lower) +
            " cert_sha256=" +
            librecord::to_hex(Sha256::digest(r.cert_der), librecord::HexCase::lower));
    tx.commit();
}

void Repository::store_certified_key(const CertifiedKeyRecord& r) {
    if (r.request_id.empty() || r.signer.empty() || r.armoured_key.empty()) {
        invariant("store_certified_key", "empty request id, signer or key");
    }
    const std::lock_guard lock{m_impl->mutex};
    Database& db = m_impl->db;
    Transaction tx{db};
    db.prepare(
          "INSERT INTO requests (request_id, request_hash, log, result, signing_ca, serial, "
          "created) VALUES (?1, ?2, ?3, ?4, ?5, NULL, ?6)")
        .bind_text(1, r.request_id)
        .bind_blob(2, r.request_hash)
        .bind_blob(3, r.log)
        .bind_blob(4, r.armoured_key)
        .bind_text(5, r.signer)
        .bind_int64(6, to_db(now()))
        .run();
    append_audit(
        db,
        "certify",
        "request_id=" + r.request_id + " signer=" + r.signer + " fingerprint=" + r.fingerprint +
            " request_hash=" + librecord::to_hex(r.request_hash, librecord::HexCase::lower) +
            " log_sha256=" + librecord::to_hex(Sha256::digest(r.log), librecord::HexCase::lower) +
            " key_sha256=" +
            librecord::to_hex(Sha256::digest(r.armoured_key), librecord::HexCase::lower));
    tx.commit();
}

std::optional<CertificateRecord> Repository::certificate_by_serial(std::string_view serial) {
    const auto canonical = librecord::canonical_serial(serial);
    if (!canonical) {
        return std::nullopt;
    }
    const std::lock_guard lock{m_impl->mutex};
    auto st = m_impl->db.prepare(
        "SELECT serial, ca, der, not_before, not_after, issued_at FROM certificates "
        "WHERE serial = ?1");
    st.bind_text(1, *canonical);
    if (!st.step()) {
        return std::nullopt;
    }
    return CertificateRecord{st.column_text(0),
                             st.column_text(1),
                             st.column_blob(2),
                             from_db(st.column_int64(3)),
                             from_db(st.column_int64(4)),
                             from_db(st.column_int64(5))};
}

int64_t Repository::count_certificates() {
    const std::lock_guard lock{m_impl->mutex};
    auto st = m_impl->db.prepare("SELECT count(*) FROM certificates");
    return st.step() ? st.column_int64(0) : 0;
}

int64_t Repository::count_jobs() {
    const std::lock_guard lock{m_impl->mutex};
    auto st = m_impl->db.prepare("SELECT count(*) FROM requests");
    return st.step() ? st.column_int64(0) : 0;
}

std::optional<CrlState> Repository::crl_state(std::string_view ca) {
    const std::lock_guard lock{m_impl->mutex};
    Transaction tx{m_impl->db, Transaction::Kind::read};
    return load_crl_state(m_impl->db, ca);
}

std::vector<CrlState> Repository::crl_states() {
    const std::lock_guard lock{m_impl->mutex};
    Transaction tx{m_impl->db, Transaction::Kind::read};
    std::vector<std::string> names;
    auto st = m_impl->db.prepare("SELECT ca FROM crl_state ORDER BY ca");
    while (st.step()) {
        names.push_back(st.column_text(0));
    }
    std::vector<CrlState> out;
    for (const auto& ca : names) {
        if (auto s = load_crl_state(m_impl->db, ca)) {
            out.push_back(std::move(*s));
        }
    }
    return out;
}

CrlState Repository::init_crl(std::string_view ca,
                              UnixTime this_update,
                              UnixTime next_update,
                              const CrlSigner& sign) {
    if (ca.empty() || next_update <= this_update) {
        invariant("init_crl", "empty CA name or nextUpdate not after thisUpdate");
    }
    const std::lock_guard lock{m_impl->mutex};
    Database& db = m_impl->db;
    Transaction tx{db};
    if (auto existing = load_crl_state(db, ca)) {
        return *existing;
    }
    CrlInput input;
    input.ca = ca;
    input.crl_number = 1;
    input.this_update = this_update;
    input.next_update = next_update;
    const SignedCrl signed_crl = sign(input);
    if (signed_crl.crl_der.empty()) {
        invariant("init_crl", "the CRL signer returned no CRL");
    }
    db.prepare(
          "INSERT INTO crl_state (ca, crl_number, this_update, next_update, crl_der, delta_der) "
          "VALUES (?1, 1, ?2, ?3, ?4, ?5)")
        .bind_text(1, ca)
        .bind_int64(2, to_db(this_update))
        .bind_int64(3, to_db(next_update))
        .bind_blob(4, signed_crl.crl_der)
        .bind_blob(5, signed_crl.delta_der)
        .run();
    append_audit(
        db,
        "crl-init",
        "ca=" + std::string{ca} + " crl_number=1 this_update=" + format_utc(this_update) +
            " next_update=" + format_utc(next_update) + " crl_sha256=" +
            librecord::to_hex(Sha256::digest(signed_crl.crl_der), librecord::HexCase::lower));
    tx.commit();
    return CrlState{
        std::string{ca}, 1, this_update, next_update, signed_crl.crl_der, signed_crl.delta_der, 0};
}

RevokeOutcome Repository::revoke(std::string_view ca,
                                 const std::vector<RevokeItem>& items,
                                 UnixTime revoked_at,
                                 UnixTime next_update,
                                 const CrlSigner& sign) {
    const std::lock_guard lock{m_impl->mutex};
    Database& db = m_impl->db;
    Transaction tx{db};
    RevokeOutcome out;
    auto current = load_crl_state(db, ca);
    if (!current) {
        out.status = RevokeOutcome::Status::unknown_ca;
        return out;
    }
    out.crl = *current;

    std::vector<std::string> unknown;
    std::vector<std::string> foreign;
    std::vector<std::string> bad_reason;
    std::vector<RevocationEntry> fresh;
    std::set<std::string> seen;
    auto find_cert = db.prepare("SELECT ca FROM certificates WHERE serial = ?1");
    auto find_revoked = db.prepare("SELECT 1 FROM revoked WHERE serial = ?1");
    for (const auto& item : items) {
        const auto canonical = librecord::canonical_serial(item.serial);
        if (!canonical) {
            unknown.push_back(item.serial);
            continue;
        }
        if (item.reason && !crl_reason_code(*item.reason)) {
            bad_reason.push_back(*canonical + "," + *item.reason);
            continue;
        }
        if (!seen.insert(*canonical).second) {
            continue;  // the first mention of a serial wins
        }
        find_cert.bind_text(1, *canonical);
        const bool issued = find_cert.step();
        const std::string issuer = issued ? find_cert.column_text(0) : std::string{};
        find_cert.reset();
        if (!issued) {
            unknown.push_back(*canonical);
            continue;
        }
        if (issuer != ca) {
            foreign.push_back(*canonical);
            continue;
        }
        find_revoked.bind_text(1, *canonical);
        const bool already = find_revoked.step();
        find_revoked.reset();
        if (!already) {
            fresh.push_back({*canonical, revoked_at, item.reason});
        }
    }
    if (!unknown.empty()) {
        out.status = RevokeOutcome::Status::unknown_serial;
        out.refused = std::move(unknown);
        return out;
    }
    if (!bad_reason.empty()) {
        out.status = RevokeOutcome::Status::bad_reason;
        out.refused = std::move(bad_reason);
        return out;
    }
    if (!foreign.empty()) {
        out.status = RevokeOutcome::Status::wrong_ca;
        out.refused = std::move(foreign);
        return out;
    }
    if (fresh.empty()) {
        out.status = RevokeOutcome::Status::unchanged;
        return out;
    }
    NextCrl next =
        sign_next_crl(db, *current, std::move(fresh), revoked_at, next_update, sign, "revoke");
    tx.commit();
    out.status = RevokeOutcome::Status::revoked;
    out.added = std::move(next.added);
    out.dropped = std::move(next.dropped);
    out.crl = std::move(next.state);
    return out;
}

CrlState Repository::renew_crl(std::string_view ca,
                               UnixTime this_update,
                               UnixTime next_update,
                               const CrlSigner& sign) {
    const std::lock_guard lock{m_impl->mutex};
    Database& db = m_impl->db;
    Transaction tx{db};
    const auto current = load_crl_state(db, ca);
    if (!current) {
        invariant("renew_crl", "no CRL state for CA '" + std::string{ca} + "'");
    }
    NextCrl next = sign_next_crl(db, *current, {}, this_update, next_update, sign, "crl-renew");
    tx.commit();
    return std::move(next.state);
}

std::vector<RevocationEntry> Repository::crl_entries(std::string_view ca) {
    const std::lock_guard lock{m_impl->mutex};
    Transaction tx{m_impl->db, Transaction::Kind::read};
    std::vector<RevocationEntry> out;
    for (auto& listed : listed_entries(m_impl->db, ca)) {
        out.push_back(std::move(listed.entry));
    }
    return out;
}

AuditEntry Repository::audit_append(std::string_view kind, std::string_view detail) {
    const std::lock_guard lock{m_impl->mutex};
    Transaction tx{m_impl->db};
    AuditEntry e = append_audit(m_impl->db, kind, detail);
    tx.commit();
    return e;
}

std::string Repository::audit_head() {
    const std::lock_guard lock{m_impl->mutex};
    auto st = m_impl->db.prepare("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    return st.step() ? st.column_text(0) : zero_hash;
}

std::vector<AuditEntry> Repository::audit_entries() {
    const std::lock_guard lock{m_impl->mutex};
    auto st = m_impl->db.prepare(
        "SELECT seq, time, kind, detail, prev_hash, hash FROM audit_log ORDER BY seq");
    std::vector<AuditEntry> out;
    while (st.step()) {
        out.push_back({st.column_int64(0),
                       st.column_text(1),
                       st.column_text(2),
                       st.column_text(3),
                       st.column_text(4),
                       st.column_text(5)});
    }
    return out;
}

AuditVerdict Repository::audit_verify() {
    const std::lock_guard lock{m_impl->mutex};
    Database& db = m_impl->db;
    Transaction tx{db, Transaction::Kind::read};
    AuditVerdict v;
    v.head = zero_hash;
    const auto fail = [&v](int64_t seq, std::string why) {
        v.ok = false;
        v.first_bad_seq = seq;
        v.reason = std::move(why);
        return v;
    };
    auto st =
        db.prepare("SELECT seq, time, kind, detail, prev_hash, hash FROM audit_log ORDER BY seq");
    int64_t expected = 1;
    while (st.step()) {
        const int64_t seq = st.column_int64(0);
        const std::string time = st.column_text(1);
        const std::string kind = st.column_text(2);
        const std::string detail = st.column_text(3);
        const std::string prev_hash = st.column_text(4);
        const std::string hash = st.column_text(5);
        if (seq > expected) {
            return fail(expected,
                        seq == expected + 1
                            ? "entry missing (the next entry is seq " + std::to_string(seq) + ")"
                            : "entries " + std::to_string(expected) + " to " +
                                  std::to_string(seq - 1) + " missing");
        }
        if (seq < expected) {
            return fail(seq, "unexpected sequence number");
        }
        if (prev_hash != v.head) {
            return fail(seq,
                        expected == 1 ? "first entry's prev_hash is not 64 zeros"
                                      : "prev_hash does not match the hash of entry " +
                                            std::to_string(seq - 1));
        }
        const auto computed = audit_entry_hash(seq, time, kind, detail, prev_hash);
        if (!computed || librecord::to_hex(*computed, librecord::HexCase::lower) != hash) {
            return fail(seq, "hash does not match the entry's contents (entry changed)");
        }
        v.head = hash;
        v.entries = seq;
        ++expected;
    }
    auto used = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'audit_log'");
    if (used.step() && used.column_int64(0) >= expected) {
        const int64_t last = used.column_int64(0);
        return fail(expected,
                    "entries " + std::to_string(expected) + " to " + std::to_string(last) +
                        " removed from the end of the log");
    }
    v.ok = true;
    return v;
}

int run_audit_verify(const std::string& repository_folder, std::ostream& out) {
    try {
        Repository repo = Repository::open_read_only(repository_folder);
        const AuditVerdict v = repo.audit_verify();
        if (v.ok) {
            out << "audit log intact: " << v.entries << " entries, head " << v.head << '\n';
            return 0;
        }
        out << "audit log broken at seq " << v.first_bad_seq << ": " << v.reason << '\n';
        return 1;
    } catch (const Error& e) {
        out << "audit log unreadable: " << e.what() << '\n';
        return 1;
    }
}

}  // namespace cassiopeia::server
