// Jobs and certificates on SQLite: the idempotency record (docs/protocol.md §6) and its
// audit entries.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "repository/request_book.hpp"

#include "repository/sql_support.hpp"

#include <librecord/hex.hpp>
#include <librecord/serial_text.hpp>

#include <algorithm>
#include <optional>
#include <span>
#include <string_view>

namespace cassiopeia::server {

using repository_sql::append_audit;
using repository_sql::from_db;
using repository_sql::invariant;
using repository_sql::now;
using repository_sql::to_db;
using sqlite::Database;
using sqlite::Transaction;

namespace {

/// The row a repeated request id is answered from (docs/protocol.md §6); OpenPGP rows have no
/// serial.
void insert_request(Database& db,
                    const std::string& request_id,
                    const Sha256Digest& request_hash,
                    std::span<const uint8_t> log,
                    std::span<const uint8_t> result,
                    const std::string& signing_ca,
                    std::optional<std::string_view> serial,
                    UnixTime created) {
    auto st = db.prepare(
        "INSERT INTO requests (request_id, request_hash, log, result, signing_ca, serial, "
        "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    st.bind_text(1, request_id)
        .bind_blob(2, request_hash)
        .bind_blob(3, log)
        .bind_blob(4, result)
        .bind_text(5, signing_ca);
    if (serial) {
        st.bind_text(6, *serial);
    } else {
        st.bind_null(6);
    }
    st.bind_int64(7, to_db(created)).run();
}

}  // namespace

std::optional<StoredRequest> RequestBook::find(std::string_view request_id) {
    auto st = m_db->prepare(
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
    out.issued = st.column_blob(2);
    out.signing_ca = st.column_text(3);
    out.serial = st.column_text(4);
    return out;
}

void RequestBook::store_issued(const IssuedRecord& r) {
    if (r.request_id.empty() || r.ca.empty() || r.cert_der.empty()) {
        invariant("store_issued", "empty request id, CA or certificate");
    }
    if (!librecord::is_canonical_serial(r.serial)) {
        invariant("store_issued", "serial '" + r.serial + "' is not in the form of §5.4");
    }
    if (r.not_after < r.not_before) {
        invariant("store_issued", "notAfter before notBefore");
    }
    Database& db = *m_db;
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
    insert_request(db, r.request_id, r.request_hash, r.log, r.cert_der, r.ca, r.serial, issued_at);
    append_audit(
        db,
        "issue",
        "request_id=" + r.request_id + " ca=" + r.ca + " serial=" + r.serial +
            " not_before=" + format_utc(r.not_before) + " not_after=" + format_utc(r.not_after) +
            " request_hash=" + librecord::to_hex(r.request_hash, librecord::HexCase::lower) +
            " log_sha256=" + librecord::to_hex(Sha256::digest(r.log), librecord::HexCase::lower) +
            " cert_sha256=" +
            librecord::to_hex(Sha256::digest(r.cert_der), librecord::HexCase::lower) +
            " issued_at=" + format_utc(issued_at));
    tx.commit();
}

void RequestBook::store_certified_key(const CertifiedKeyRecord& r) {
    if (r.request_id.empty() || r.signer.empty() || r.armoured_key.empty()) {
        invariant("store_certified_key", "empty request id, signer or key");
    }
    Database& db = *m_db;
    Transaction tx{db};
    const UnixTime created = now();
    insert_request(
        db, r.request_id, r.request_hash, r.log, r.armoured_key, r.signer, std::nullopt, created);
    append_audit(
        db,
        "certify",
        "request_id=" + r.request_id + " signer=" + r.signer + " fingerprint=" + r.fingerprint +
            " request_hash=" + librecord::to_hex(r.request_hash, librecord::HexCase::lower) +
            " log_sha256=" + librecord::to_hex(Sha256::digest(r.log), librecord::HexCase::lower) +
            " key_sha256=" +
            librecord::to_hex(Sha256::digest(r.armoured_key), librecord::HexCase::lower) +
            " created=" + format_utc(created));
    tx.commit();
}

std::optional<CertificateRecord> RequestBook::certificate_by_serial(std::string_view serial) {
    const auto canonical = librecord::canonical_serial(serial);
    if (!canonical) {
        return std::nullopt;
    }
    auto st = m_db->prepare(
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

int64_t RequestBook::count_certificates() {
    auto st = m_db->prepare("SELECT count(*) FROM certificates");
    return st.step() ? st.column_int64(0) : 0;
}

int64_t RequestBook::count_jobs() {
    auto st = m_db->prepare("SELECT count(*) FROM requests");
    return st.step() ? st.column_int64(0) : 0;
}

}  // namespace cassiopeia::server
