// The queue daemon's periodic signer check (docs/conventions.md §6): compare clocks and refuse
// to work past run.max_skew_s (the signer's clock is never set from here), then read the status
// report, anchor its audit head in the WebDB, and refresh the CRL copies that are behind the
// signer's or near their nextUpdate.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"
#include "connection.hpp"
#include "metrics.hpp"
#include "operations.hpp"
#include "pq/pq.hpp"
#include "status_report.hpp"
#include "webdb/audit_anchor.hpp"
#include "webdb/job_queue.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::client {

/** A CRL copy is refreshed when its nextUpdate falls within this of now. */
inline constexpr std::chrono::hours crl_refresh_horizon{24};

/**
 * Why the signer's `getTimestamp` answer forbids work: unreadable, or further than
 * `max_skew` from `local`; nullopt when the clocks agree.
 */
[[nodiscard]] std::optional<std::string> clock_fault(std::string_view signer_time,
                                                     std::chrono::sys_seconds local,
                                                     std::chrono::seconds max_skew);

/**
 * Why no job may be sent while the status report says a CA key in a token cannot sign (its
 * token absent or not logged in, docs/hsm.md): every such request would only fail. The signer
 * opens such keys again while it builds the report, so a later check passes once the token is
 * back. nullopt when every key can sign (a key file always can).
 */
[[nodiscard]] std::optional<std::string> key_fault(const StatusReport& report);

/**
 * The CAs of `report` whose CRL copy must be fetched: none held (`known` maps CA to the CRL
 * number held), an older number than the signer's, or a nextUpdate at or before `horizon`.
 */
[[nodiscard]] std::vector<std::string> crls_to_refresh(const StatusReport& report,
                                                       const std::map<std::string, uint64_t>& known,
                                                       std::chrono::sys_seconds horizon);

/**
 * Stores the report's audit head in the WebDB (webdb/audit_anchor.hpp) and logs a warning when
 * it does not extend the last one stored: the signer's history was rewritten. A report without
 * a head is logged too. Sets `metrics.audit_rewrites`. Returns the verdict, nullopt without a
 * head. Database errors propagate as Error{database}.
 */
[[nodiscard]] std::optional<AnchorVerdict> anchor_audit_head(pq::Connection& db,
                                                             const StatusReport& report,
                                                             std::string_view source,
                                                             Metrics& metrics);

/**
 * The whole check over the link: the clock, the status report (its audit head anchored in
 * `db`), then the CRL refreshes (a CRL that cannot be refreshed is logged and left for the
 * next check). Records each CA's nextUpdate in `metrics`. Database errors propagate as
 * Error{database}.
 */
[[nodiscard]] JobEnd check_signer(Connection& link,
                                  pq::Connection& db,
                                  JobQueue& queue,
                                  const ClientConfig& config,
                                  Metrics& metrics);

}  // namespace cassiopeia::client
