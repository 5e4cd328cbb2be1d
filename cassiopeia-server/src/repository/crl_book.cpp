// CRL state on SQLite: CRL numbers, revocation entries, and the transactions that sign and
// store the next CRL with its audit entry (docs/protocol.md §5.6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "repository/crl_book.hpp"

#include "repository/sql_support.hpp"

#include <librecord/hex.hpp>
#include <librecord/serial_text.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <utility>

namespace cassiopeia::server {

using repository_sql::append_audit;
using repository_sql::from_db;
using repository_sql::invariant;
using repository_sql::to_db;
using sqlite::Database;
using sqlite::Transaction;

namespace {

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

/// The audit fields that bind crl_state's two DER columns (docs/repository.md).
std::string crl_digests(const SignedCrl& crl) {
    return " crl_sha256=" +
           librecord::to_hex(Sha256::digest(crl.crl_der), librecord::HexCase::lower) +
           " delta_sha256=" +
           librecord::to_hex(Sha256::digest(crl.delta_der), librecord::HexCase::lower);
}

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

/// CRL n = current + 1: the listed entries plus `added`, without those whose notAfter is
/// before CRL n-1's thisUpdate (RFC 5280 §3.3, docs/protocol.md §5.6).
CrlInput next_crl_input(Database& db,
                        const CrlState& current,
                        std::vector<RevocationEntry> added,
                        UnixTime this_update,
                        UnixTime next_update) {
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
    return input;
}

/// Marks CRL n's new entries as added by n and its dropped ones as dropped by n.
void store_entry_changes(Database& db, const CrlInput& input) {
    auto add = db.prepare(
        "INSERT INTO revoked (serial, ca, revoked_at, reason, crl_added) "
        "VALUES (?1, ?2, ?3, ?4, ?5)");
    for (const auto& e : input.added) {
        add.bind_text(1, e.serial).bind_text(2, input.ca).bind_int64(3, to_db(e.revoked_at));
        if (e.reason) {
            add.bind_text(4, *e.reason);
        } else {
            add.bind_null(4);
        }
        add.bind_int64(5, input.crl_number).run();
        add.reset();
    }
    auto drop = db.prepare("UPDATE revoked SET crl_dropped = ?1 WHERE serial = ?2");
    for (const auto& serial : input.dropped) {
        drop.bind_int64(1, input.crl_number).bind_text(2, serial).run();
        drop.reset();
    }
}

void store_crl_state(Database& db, const CrlInput& input, const SignedCrl& signed_crl) {
    db.prepare(
          "UPDATE crl_state SET crl_number = ?1, this_update = ?2, next_update = ?3, "
          "crl_der = ?4, delta_der = ?5 WHERE ca = ?6")
        .bind_int64(1, input.crl_number)
        .bind_int64(2, to_db(input.this_update))
        .bind_int64(3, to_db(input.next_update))
        .bind_blob(4, signed_crl.crl_der)
        .bind_blob(5, signed_crl.delta_der)
        .bind_text(6, input.ca)
        .run();
}

struct NextCrl {
    CrlState state;
    std::vector<std::string> added;
    std::vector<std::string> dropped;
};

/// Signs and stores CRL n = current + 1 inside the caller's write transaction: adds `added`,
/// drops expired entries (next_crl_input), and appends an audit entry of the given kind.
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
    const CrlInput input = next_crl_input(db, current, std::move(added), this_update, next_update);
    const SignedCrl signed_crl = sign(input);
    if (signed_crl.crl_der.empty()) {
        invariant("sign_next_crl", "the CRL signer returned no CRL");
    }
    store_entry_changes(db, input);
    store_crl_state(db, input, signed_crl);

    NextCrl out;
    std::vector<std::string> reasons;
    for (const auto& e : input.added) {
        out.added.push_back(e.serial);
        reasons.push_back(e.reason.value_or("-"));
    }
    out.dropped = input.dropped;
    append_audit(db,
                 audit_kind,
                 "ca=" + current.ca + " crl_number=" + std::to_string(input.crl_number) +
                     " this_update=" + format_utc(this_update) +
                     " next_update=" + format_utc(next_update) + " added=" + join(out.added) +
                     " dropped=" + join(out.dropped) + " reasons=" + join(reasons) +
                     crl_digests(signed_crl));
    out.state = CrlState{current.ca,
                         input.crl_number,
                         this_update,
                         next_update,
                         signed_crl.crl_der,
                         signed_crl.delta_der,
                         static_cast<int64_t>(input.entries.size())};
    return out;
}

/// addSerial items sorted into what a revoke refuses and what it adds (docs/protocol.md §5.6).
struct RevokeTriage {
    std::vector<std::string> unknown;
    std::vector<std::string> foreign;
    std::vector<std::string> bad_reason;
    std::vector<RevocationEntry> fresh;
};

RevokeTriage triage(Database& db,
                    std::string_view ca,
                    const std::vector<RevokeItem>& items,
                    UnixTime revoked_at) {
    RevokeTriage t;
    std::set<std::string> seen;
    auto find_cert = db.prepare("SELECT ca FROM certificates WHERE serial = ?1");
    auto find_revoked = db.prepare("SELECT 1 FROM revoked WHERE serial = ?1");
    for (const auto& item : items) {
        const auto canonical = librecord::canonical_serial(item.serial);
        if (!canonical) {
            t.unknown.push_back(item.serial);
            continue;
        }
        if (item.reason && !crl_reason_code(*item.reason)) {
            t.bad_reason.push_back(*canonical + "," + *item.reason);
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
            t.unknown.push_back(*canonical);
            continue;
        }
        if (issuer != ca) {
            t.foreign.push_back(*canonical);
            continue;
        }
        find_revoked.bind_text(1, *canonical);
        const bool already = find_revoked.step();
        find_revoked.reset();
        if (!already) {
            t.fresh.push_back({*canonical, revoked_at, item.reason});
        }
    }
    return t;
}

/// The refusal a triage calls for, in the order §5.6 reports them; nullopt when none.
std::optional<RevokeOutcome::Status> refusal(RevokeTriage& t, std::vector<std::string>& refused) {
    using S = RevokeOutcome::Status;
    for (auto [list, status] : {std::pair{&t.unknown, S::unknown_serial},
                                std::pair{&t.bad_reason, S::bad_reason},
                                std::pair{&t.foreign, S::wrong_ca}}) {
        if (!list->empty()) {
            refused = std::move(*list);
            return status;
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<CrlState> CrlBook::state(std::string_view ca) {
    Transaction tx{*m_db, Transaction::Kind::read};
    return load_crl_state(*m_db, ca);
}

std::vector<CrlState> CrlBook::states() {
    Transaction tx{*m_db, Transaction::Kind::read};
    std::vector<std::string> names;
    auto st = m_db->prepare("SELECT ca FROM crl_state ORDER BY ca");
    while (st.step()) {
        names.push_back(st.column_text(0));
    }
    std::vector<CrlState> out;
    for (const auto& ca : names) {
        if (auto s = load_crl_state(*m_db, ca)) {
            out.push_back(std::move(*s));
        }
    }
    return out;
}

CrlState CrlBook::init(std::string_view ca,
                       UnixTime this_update,
                       UnixTime next_update,
                       const CrlSigner& sign) {
    if (ca.empty() || next_update <= this_update) {
        invariant("init_crl", "empty CA name or nextUpdate not after thisUpdate");
    }
    Database& db = *m_db;
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
    append_audit(db,
                 "crl-init",
                 "ca=" + std::string{ca} + " crl_number=1 this_update=" + format_utc(this_update) +
                     " next_update=" + format_utc(next_update) + crl_digests(signed_crl));
    tx.commit();
    return CrlState{
        std::string{ca}, 1, this_update, next_update, signed_crl.crl_der, signed_crl.delta_der, 0};
}

RevokeOutcome CrlBook::revoke(std::string_view ca,
                              const std::vector<RevokeItem>& items,
                              UnixTime revoked_at,
                              UnixTime next_update,
                              const CrlSigner& sign) {
    Database& db = *m_db;
    Transaction tx{db};
    RevokeOutcome out;
    auto current = load_crl_state(db, ca);
    if (!current) {
        out.status = RevokeOutcome::Status::unknown_ca;
        return out;
    }
    out.crl = *current;
    RevokeTriage t = triage(db, ca, items, revoked_at);
    if (const auto refused = refusal(t, out.refused)) {
        out.status = *refused;
        return out;
    }
    if (t.fresh.empty()) {
        out.status = RevokeOutcome::Status::unchanged;
        return out;
    }
    NextCrl next =
        sign_next_crl(db, *current, std::move(t.fresh), revoked_at, next_update, sign, "revoke");
    tx.commit();
    out.status = RevokeOutcome::Status::revoked;
    out.added = std::move(next.added);
    out.dropped = std::move(next.dropped);
    out.crl = std::move(next.state);
    return out;
}

CrlState CrlBook::renew(std::string_view ca,
                        UnixTime this_update,
                        UnixTime next_update,
                        const CrlSigner& sign) {
    Database& db = *m_db;
    Transaction tx{db};
    const auto current = load_crl_state(db, ca);
    if (!current) {
        invariant("renew_crl", "no CRL state for CA '" + std::string{ca} + "'");
    }
    NextCrl next = sign_next_crl(db, *current, {}, this_update, next_update, sign, "crl-renew");
    tx.commit();
    return std::move(next.state);
}

std::vector<RevocationEntry> CrlBook::entries(std::string_view ca) {
    Transaction tx{*m_db, Transaction::Kind::read};
    std::vector<RevocationEntry> out;
    for (auto& listed : listed_entries(*m_db, ca)) {
        out.push_back(std::move(listed.entry));
    }
    return out;
}

}  // namespace cassiopeia::server
