// The queue daemon's metrics: counters and the Prometheus text file they are written to
// (docs/conventions.md §6, run.metrics_file).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "status_report.hpp"
#include "webdb/job_queue.hpp"

#include <librecord/link_machine.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cassiopeia::client {

/** Counters behind the metrics file. */
struct Metrics {
    std::map<std::pair<std::string, std::string>, uint64_t> jobs;  // (kind, outcome) -> count
    std::optional<int64_t> last_success;                           ///< seconds since the epoch
    bool link_up = false;
    static constexpr std::array<double, 8> bounds{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    std::array<uint64_t, bounds.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
    std::map<std::string, int64_t> crl_next_update;  ///< CA -> seconds since the epoch
    /// Configured time CA -> notAfter of its newest OCSP responder certificate (epoch s).
    std::map<std::string, int64_t> ocsp_not_after;
    /// CA -> where its key is and whether it signs, from the last status report (docs/hsm.md).
    std::map<std::string, KeyStatus> signer_keys;
    /// The signer's link key, from the same report; nullopt until a report carried it.
    std::optional<KeyStatus> signer_link_key;
    /// Stored signer audit heads that did not extend the one before (sql/003_audit_heads.sql).
    int64_t audit_rewrites = 0;
    /// The signer's clock minus ours at the last signer check, seconds (absent until read).
    std::optional<int64_t> signer_clock_skew;
    /// The link's counters (docs/protocol.md §2), added up over every line the daemon opened.
    librecord::LinkStats link;

    /** Counts a finished job of `kind` ("done" or "failed") that took `seconds`. */
    void job(std::string_view kind, std::string_view outcome, double seconds);
};

/** The Prometheus text exposition of `m` and the queue gauges `q`. */
[[nodiscard]] std::string metrics_text(const Metrics& m, const QueueSummary& q);

/**
 * Rewrites `path` atomically (a temporary file in the same folder, then a rename); nothing when
 * `path` is empty. A failure is logged, never thrown: metrics do not stop the queue.
 */
void write_metrics(const std::string& path, const Metrics& m, const QueueSummary& q);

}  // namespace cassiopeia::client
