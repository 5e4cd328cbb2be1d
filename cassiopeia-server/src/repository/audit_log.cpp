// The audit chain on SQLite: entry hashes, appends inside a transaction, the chain walk.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "repository/audit_log.hpp"

#include "repository/history_check.hpp"
#include "repository/sql_support.hpp"

#include <librecord/hex.hpp>

#include <algorithm>
#include <array>
#include <span>
#include <utility>

namespace cassiopeia::server {

using repository_sql::invariant;
using repository_sql::now;
using sqlite::Database;
using sqlite::Transaction;

namespace {

std::span<const uint8_t> as_bytes(std::string_view s) {
    // reinterpret_cast: the bytes of a char string
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bool valid_kind(std::string_view kind) {
    return !kind.empty() && kind.size() <= 32 && std::all_of(kind.begin(), kind.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

struct ChainTip {
    int64_t next_seq = 1;
    std::string prev_hash = repository_sql::zero_hash;
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

}  // namespace

namespace repository_sql {

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

}  // namespace repository_sql

std::optional<Sha256Digest> audit_entry_hash(int64_t seq,
                                             std::string_view time,
                                             std::string_view kind,
                                             std::string_view detail,
                                             std::string_view prev_hash_hex) {
    // Only the lower-case form we write is canonical: anything else does not round-trip.
    const auto prev = librecord::from_hex(prev_hash_hex);
    if (!prev || prev->size() != Sha256Digest{}.size() ||
        librecord::to_hex(*prev, librecord::HexCase::lower) != prev_hash_hex) {
        return std::nullopt;
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
    sha.update(*prev);
    return sha.finish();
}

AuditEntry AuditLog::append(std::string_view kind, std::string_view detail) {
    Transaction tx{*m_db};
    AuditEntry e = repository_sql::append_audit(*m_db, kind, detail);
    tx.commit();
    return e;
}

std::string AuditLog::head() {
    auto st = m_db->prepare("SELECT hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    return st.step() ? st.column_text(0) : repository_sql::zero_hash;
}

AuditTip AuditLog::tip() {
    auto st = m_db->prepare("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
    if (!st.step()) {
        return {0, repository_sql::zero_hash};
    }
    return {st.column_int64(0), st.column_text(1)};
}

std::vector<AuditEntry> AuditLog::entries() {
    auto st = m_db->prepare(
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

AuditVerdict AuditLog::verify() {
    Database& db = *m_db;
    Transaction tx{db, Transaction::Kind::read};
    AuditVerdict v;
    v.head = repository_sql::zero_hash;
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
    if (const auto fault = check_history(db)) {
        v.history_mismatch = true;
        return fail(fault->seq, fault->reason);
    }
    v.ok = true;
    return v;
}

}  // namespace cassiopeia::server
