// The signer's audit chain heads stored in the WebDB, outside the signer, and the check that
// each new head extends the last one (sql/003_audit_heads.sql, docs/repository.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "pq/pq.hpp"
#include "status_report.hpp"

#include <cstdint>
#include <optional>
#include <string_view>

namespace cassiopeia::client {

/** What storing one head found. */
struct AnchorVerdict {
    /** The head extends the anchor: no anchor yet, a higher seq, or the same seq and hash. */
    bool extends = true;
    std::optional<AuditHead> anchor;  ///< the anchor it was compared with
    int64_t rewrites = 0;  ///< stored heads that did not extend theirs, this one included
};

/**
 * Compares `head` with the anchor (view cassiopeia.signer_audit_anchor) and stores it in
 * cassiopeia.signer_audit_heads: a new row, or the last row's sighting moved when it is the
 * same head. One transaction under an advisory lock, so two clients store one after the other.
 * `source` is "run" or "status". Throws pq::PqError.
 */
[[nodiscard]] AnchorVerdict record_audit_head(pq::Connection& conn,
                                              const AuditHead& head,
                                              std::string_view source);

}  // namespace cassiopeia::client
