// The signer's audit chain heads in the WebDB (sql/003_audit_heads.sql).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "webdb/audit_anchor.hpp"

namespace cassiopeia::client {

namespace {

// Serialises the compare-and-store of concurrent clients (any constant unique to this use).
constexpr int64_t anchor_lock_key = 0x436173'41756469;

bool extends(const AuditHead& head, const std::optional<AuditHead>& anchor) {
    return !anchor || head.seq > anchor->seq ||
           (head.seq == anchor->seq && head.hash == anchor->hash);
}

}  // namespace

AnchorVerdict record_audit_head(pq::Connection& conn,
                                const AuditHead& head,
                                std::string_view source) {
    pq::Transaction tx{conn};
    (void)conn.exec("SELECT pg_advisory_xact_lock($1)", {pq::Param::integer(anchor_lock_key)});
    AnchorVerdict v;
    const auto anchor = conn.exec("SELECT seq, head FROM cassiopeia.signer_audit_anchor");
    if (anchor.rows() > 0) {
        v.anchor = AuditHead{anchor.int64(0, 0), anchor.text(0, 1)};
    }
    v.extends = extends(head, v.anchor);
    const auto last = conn.exec(
        "SELECT id, seq, head FROM cassiopeia.signer_audit_heads ORDER BY id DESC LIMIT 1");
    if (last.rows() > 0 && last.int64(0, 1) == head.seq && last.text(0, 2) == head.hash) {
        (void)conn.exec(
            "UPDATE cassiopeia.signer_audit_heads SET last_seen = greatest(now(), last_seen), "
            "times_seen = times_seen + 1 WHERE id = $1",
            {pq::Param::integer(last.int64(0, 0))});
    } else {
        (void)conn.exec(
            "INSERT INTO cassiopeia.signer_audit_heads (seq, head, extends, source) "
            "VALUES ($1, $2, $3, $4)",
            {pq::Param::integer(head.seq),
             pq::Param{head.hash},
             pq::Param{v.extends ? "true" : "false"},
             pq::Param{source}});
    }
    v.rewrites = conn.exec("SELECT count(*) FROM cassiopeia.signer_audit_heads WHERE NOT extends")
                     .int64(0, 0);
    tx.commit();
    return v;
}

}  // namespace cassiopeia::client
