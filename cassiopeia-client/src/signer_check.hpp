// The queue daemon's periodic signer check (docs/conventions.md §6): compare clocks and refuse
// to work past run.max_skew_s (the signer's clock is never set from here), then read the status
// report and refresh the CRL copies that are behind the signer's or near their nextUpdate.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"
#include "connection.hpp"
#include "metrics.hpp"
#include "operations.hpp"
#include "status_report.hpp"
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
 * The CAs of `report` whose CRL copy must be fetched: none held (`known` maps CA to the CRL
 * number held), an older number than the signer's, or a nextUpdate at or before `horizon`.
 */
[[nodiscard]] std::vector<std::string> crls_to_refresh(const StatusReport& report,
                                                       const std::map<std::string, uint64_t>& known,
                                                       std::chrono::sys_seconds horizon);

/**
 * The whole check over the link: the clock, the status report, then the CRL refreshes (a CRL
 * that cannot be refreshed is logged and left for the next check). Records each CA's
 * nextUpdate in `metrics`. Database errors propagate as Error{database}.
 */
[[nodiscard]] JobEnd check_signer(Connection& link,
                                  JobQueue& queue,
                                  const ClientConfig& config,
                                  Metrics& metrics);

}  // namespace cassiopeia::client
