// audit-verify's cross-check: the audit entries replayed into the rows they wrote, compared with
// the tables both ways (docs/repository.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "repository/history_check.hpp"

#include "repository/sql_support.hpp"
#include "request_hash.hpp"

#include <librecord/hex.hpp>

#include <algorithm>
#include <charconv>
#include <span>
#include <utility>
#include <vector>

namespace cassiopeia::server {

using repository_sql::from_db;
using sqlite::Database;

namespace {

using Fields = std::map<std::string, std::string, std::less<>>;

struct CertRow {
    int64_t seq = 0;
    std::string ca, cert_sha, not_before, not_after;
    std::optional<std::string> issued_at;  ///< absent in entries of schema 1
};

struct RequestRow {
    int64_t seq = 0;
    std::string request_hash, log_sha, result_sha, signing_ca;
    std::optional<std::string> serial;   ///< NULL for OpenPGP jobs
    std::optional<std::string> created;  ///< absent in entries of schema 1
};

struct CrlRow {
    int64_t seq = 0;
    int64_t number = 0;
    std::string this_update, next_update, crl_sha;
    std::optional<std::string> delta_sha;  ///< absent in entries of schema 1
};

struct RevokedRow {
    int64_t seq = 0;
    std::string ca, revoked_at;
    int64_t crl_added = 0;
    std::optional<int64_t> crl_dropped;
    std::string reason;         ///< "-" for none
    bool reason_known = false;  ///< false in entries of schema 1
};

/// The rows the audit entries say the tables hold, keyed as the tables are.
struct Expected {
    std::map<std::string, CertRow> certs;
    std::map<std::string, RequestRow> requests;
    std::map<std::string, CrlRow> crls;
    std::map<std::string, RevokedRow> revoked;
};

using Fault = std::optional<HistoryFault>;

Fault fault(int64_t seq, std::string why) {
    return HistoryFault{seq, std::move(why)};
}

std::string sha_hex(std::span<const uint8_t> bytes) {
    return librecord::to_hex(Sha256::digest(bytes), librecord::HexCase::lower);
}

std::string utc_of(int64_t column) {
    return format_utc(from_db(column));
}

std::vector<std::string> split_list(std::string_view text) {
    std::vector<std::string> out;
    while (!text.empty()) {
        const auto comma = text.find(',');
        out.emplace_back(text.substr(0, comma));
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    }
    return out;
}

std::optional<int64_t> to_int(std::string_view text) {
    int64_t n = 0;
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic): from_chars takes pointers
    const auto* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, n);
    return ec == std::errc{} && p == end && !text.empty() ? std::optional{n} : std::nullopt;
}

std::optional<std::string> optional_field(const Fields& f, std::string_view key) {
    const auto it = f.find(key);
    return it == f.end() ? std::nullopt : std::optional{it->second};
}

/// An entry's fields with every one of `keys` present, or why not.
Fault require(const Fields& f, int64_t seq, std::initializer_list<std::string_view> keys) {
    for (const auto key : keys) {
        if (f.find(key) == f.end()) {
            return fault(seq, "audit entry lacks " + std::string{key});
        }
    }
    return std::nullopt;
}

Fault replay_issue(Expected& x, int64_t seq, const Fields& f) {
    if (auto bad = require(f,
                           seq,
                           {"request_id",
                            "ca",
                            "serial",
                            "not_before",
                            "not_after",
                            "request_hash",
                            "log_sha256",
                            "cert_sha256"})) {
        return bad;
    }
    const std::string& serial = f.at("serial");
    const std::string& id = f.at("request_id");
    const auto issued_at = optional_field(f, "issued_at");
    if (!x.certs
             .emplace(serial,
                      CertRow{seq,
                              f.at("ca"),
                              f.at("cert_sha256"),
                              f.at("not_before"),
                              f.at("not_after"),
                              issued_at})
             .second) {
        return fault(seq, "serial " + serial + " issued twice");
    }
    if (!x.requests
             .emplace(id,
                      RequestRow{seq,
                                 f.at("request_hash"),
                                 f.at("log_sha256"),
                                 f.at("cert_sha256"),
                                 f.at("ca"),
                                 serial,
                                 issued_at})
             .second) {
        return fault(seq, "request id " + id + " used twice");
    }
    return std::nullopt;
}

Fault replay_certify(Expected& x, int64_t seq, const Fields& f) {
    if (auto bad =
            require(f, seq, {"request_id", "signer", "request_hash", "log_sha256", "key_sha256"})) {
        return bad;
    }
    const std::string& id = f.at("request_id");
    if (!x.requests
             .emplace(id,
                      RequestRow{seq,
                                 f.at("request_hash"),
                                 f.at("log_sha256"),
                                 f.at("key_sha256"),
                                 f.at("signer"),
                                 std::nullopt,
                                 optional_field(f, "created")})
             .second) {
        return fault(seq, "request id " + id + " used twice");
    }
    return std::nullopt;
}

/// The entries a revoke or crl-renew adds to `revoked` and the ones it drops.
Fault replay_entries(Expected& x, int64_t seq, const Fields& f, const std::string& ca, int64_t n) {
    const auto added = split_list(f.at("added"));
    const auto reasons = optional_field(f, "reasons");
    const auto reason_list = reasons ? split_list(*reasons) : std::vector<std::string>{};
    if (reasons && reason_list.size() != added.size()) {
        return fault(seq, "audit entry has not one reason per added serial");
    }
    for (size_t i = 0; i < added.size(); ++i) {
        RevokedRow row{seq, ca, f.at("this_update"), n, std::nullopt, "", false};
        if (reasons) {
            row.reason = reason_list[i];
            row.reason_known = true;
        }
        if (!x.revoked.emplace(added[i], std::move(row)).second) {
            return fault(seq, "serial " + added[i] + " revoked twice");
        }
    }
    for (const auto& serial : split_list(f.at("dropped"))) {
        const auto it = x.revoked.find(serial);
        if (it == x.revoked.end() || it->second.crl_dropped || it->second.ca != ca) {
            return fault(seq, "serial " + serial + " dropped but not listed");
        }
        it->second.crl_dropped = n;
    }
    return std::nullopt;
}

Fault replay_crl(Expected& x, int64_t seq, const Fields& f, bool init) {
    if (auto bad =
            require(f, seq, {"ca", "crl_number", "this_update", "next_update", "crl_sha256"})) {
        return bad;
    }
    if (!init) {
        if (auto bad = require(f, seq, {"added", "dropped"})) {
            return bad;
        }
    }
    const std::string& ca = f.at("ca");
    const auto n = to_int(f.at("crl_number"));
    const auto it = x.crls.find(ca);
    const int64_t want = it == x.crls.end() ? 1 : it->second.number + 1;
    if (!n || *n != want || (init != (want == 1))) {
        return fault(seq, "CRL number of " + ca + " does not follow its previous entry");
    }
    x.crls[ca] = CrlRow{seq,
                        *n,
                        f.at("this_update"),
                        f.at("next_update"),
                        f.at("crl_sha256"),
                        optional_field(f, "delta_sha256")};
    return init ? std::nullopt : replay_entries(x, seq, f, ca, *n);
}

/// Every entry of the kinds the books write, replayed in seq order.
Fault replay(Database& db, Expected& x) {
    auto st = db.prepare(
        "SELECT seq, kind, detail FROM audit_log "
        "WHERE kind IN ('issue', 'certify', 'crl-init', 'revoke', 'crl-renew') ORDER BY seq");
    while (st.step()) {
        const int64_t seq = st.column_int64(0);
        const std::string kind = st.column_text(1);
        const auto fields = parse_audit_detail(st.column_text(2));
        if (!fields) {
            return fault(seq, "audit entry's detail is not key=value fields");
        }
        Fault bad;
        if (kind == "issue") {
            bad = replay_issue(x, seq, *fields);
        } else if (kind == "certify") {
            bad = replay_certify(x, seq, *fields);
        } else {
            bad = replay_crl(x, seq, *fields, kind == "crl-init");
        }
        if (bad) {
            return bad;
        }
    }
    return std::nullopt;
}

/// The entry left over after all rows were matched: a row that was removed.
template <class Row>
Fault leftover(const std::map<std::string, Row>& rows, const char* table) {
    if (rows.empty()) {
        return std::nullopt;
    }
    const auto& [key, row] = *rows.begin();
    return fault(row.seq, std::string{table} + ": row " + key + " of the audit log is missing");
}

Fault unbacked(const char* table, const std::string& key) {
    return fault(0, std::string{table} + ": row " + key + " has no audit entry");
}

Fault changed(const char* table, int64_t seq, const std::string& key) {
    return fault(seq, std::string{table} + ": row " + key + " differs from its audit entry");
}

Fault check_certificates(Database& db, Expected& x) {
    auto st =
        db.prepare("SELECT serial, ca, der, not_before, not_after, issued_at FROM certificates");
    while (st.step()) {
        const std::string serial = st.column_text(0);
        const auto it = x.certs.find(serial);
        if (it == x.certs.end()) {
            return unbacked("certificates", serial);
        }
        const CertRow& e = it->second;
        if (st.column_text(1) != e.ca || sha_hex(st.column_blob(2)) != e.cert_sha ||
            utc_of(st.column_int64(3)) != e.not_before ||
            utc_of(st.column_int64(4)) != e.not_after ||
            (e.issued_at && utc_of(st.column_int64(5)) != *e.issued_at)) {
            return changed("certificates", e.seq, serial);
        }
        x.certs.erase(it);
    }
    return leftover(x.certs, "certificates");
}

Fault check_requests(Database& db, Expected& x) {
    auto st = db.prepare(
        "SELECT request_id, request_hash, log, result, signing_ca, serial, created FROM requests");
    while (st.step()) {
        const std::string id = st.column_text(0);
        const auto it = x.requests.find(id);
        if (it == x.requests.end()) {
            return unbacked("requests", id);
        }
        const RequestRow& e = it->second;
        if (librecord::to_hex(st.column_blob(1), librecord::HexCase::lower) != e.request_hash ||
            sha_hex(st.column_blob(2)) != e.log_sha || sha_hex(st.column_blob(3)) != e.result_sha ||
            st.column_text(4) != e.signing_ca || st.column_optional_text(5) != e.serial ||
            (e.created && utc_of(st.column_int64(6)) != *e.created)) {
            return changed("requests", e.seq, id);
        }
        x.requests.erase(it);
    }
    return leftover(x.requests, "requests");
}

Fault check_crl_state(Database& db, Expected& x) {
    auto st = db.prepare(
        "SELECT ca, crl_number, this_update, next_update, crl_der, delta_der FROM crl_state");
    while (st.step()) {
        const std::string ca = st.column_text(0);
        const auto it = x.crls.find(ca);
        if (it == x.crls.end()) {
            return unbacked("crl_state", ca);
        }
        const CrlRow& e = it->second;
        if (st.column_int64(1) != e.number || utc_of(st.column_int64(2)) != e.this_update ||
            utc_of(st.column_int64(3)) != e.next_update ||
            sha_hex(st.column_blob(4)) != e.crl_sha ||
            (e.delta_sha && sha_hex(st.column_blob(5)) != *e.delta_sha)) {
            return changed("crl_state", e.seq, ca);
        }
        x.crls.erase(it);
    }
    return leftover(x.crls, "crl_state");
}

Fault check_revoked(Database& db, Expected& x) {
    auto st = db.prepare(
        "SELECT serial, ca, revoked_at, coalesce(reason, '-'), crl_added, crl_dropped "
        "FROM revoked");
    while (st.step()) {
        const std::string serial = st.column_text(0);
        const auto it = x.revoked.find(serial);
        if (it == x.revoked.end()) {
            return unbacked("revoked", serial);
        }
        const RevokedRow& e = it->second;
        // Compared without optional<int64_t>'s operator==, which GCC 12 takes for a read of an
        // uninitialised value (-Wmaybe-uninitialized).
        const bool same_drop = st.column_is_null(5) ? !e.crl_dropped.has_value()
                                                    : e.crl_dropped.has_value() &&
                                                          *e.crl_dropped == st.column_int64(5);
        if (st.column_text(1) != e.ca || utc_of(st.column_int64(2)) != e.revoked_at ||
            (e.reason_known && st.column_text(3) != e.reason) ||
            st.column_int64(4) != e.crl_added || !same_drop) {
            return changed("revoked", e.seq, serial);
        }
        x.revoked.erase(it);
    }
    return leftover(x.revoked, "revoked");
}

bool valid_key(std::string_view key) {
    return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

/// Printable ASCII without the space that separates fields.
bool valid_value(std::string_view value) {
    return std::all_of(value.begin(), value.end(), [](char c) { return c > ' ' && c < '\x7f'; });
}

}  // namespace

std::optional<Fields> parse_audit_detail(std::string_view detail) {
    if (detail.empty()) {
        return std::nullopt;
    }
    Fields out;
    for (;;) {
        const auto space = detail.find(' ');
        const std::string_view field = detail.substr(0, space);
        const auto eq = field.find('=');
        if (eq == std::string_view::npos || !valid_key(field.substr(0, eq)) ||
            !valid_value(field.substr(eq + 1)) ||
            !out.emplace(field.substr(0, eq), field.substr(eq + 1)).second) {
            return std::nullopt;
        }
        if (space == std::string_view::npos) {
            return out;
        }
        detail.remove_prefix(space + 1);
        if (detail.empty()) {
            return std::nullopt;  // a trailing space
        }
    }
}

std::optional<HistoryFault> check_history(Database& db) {
    Expected x;
    if (auto bad = replay(db, x)) {
        return bad;
    }
    for (const auto check : {check_certificates, check_requests, check_crl_state, check_revoked}) {
        if (auto bad = check(db, x)) {
            return bad;
        }
    }
    return std::nullopt;
}

}  // namespace cassiopeia::server
