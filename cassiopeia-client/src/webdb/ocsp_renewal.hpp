// OCSP responder certificates renewed by the queue daemon (sql/004_ocsp.sql; sql/README.md,
// "OCSP responder certificates"): before the newest one of a time CA expires, its last request
// is queued again.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "pq/pq.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace cassiopeia::client {

struct OcspRenewal {
    enum class Action {
        current,     ///< the newest certificate is valid beyond the margin: nothing to do
        queued,      ///< a renewal job was queued now (new_job)
        in_queue,    ///< a job for this CA is pending, running or retrying already
        held_back,   ///< due, but a job of it failed or its newest certificate was issued
                     ///< within the hour: not queued again yet
        no_request,  ///< the web application never queued one: nothing to copy
    };
    Action action = Action::current;
    std::optional<int64_t> not_after;  ///< the newest certificate's, seconds since the epoch
    std::optional<int64_t> new_job;
};

/**
 * Looks at the OCSP responder certificates of time CA `ca` and, when the newest expires within
 * `renew_before` (or there is none), no job for it is open, none failed within the hour and
 * the newest was not issued within the hour,
 * queues its newest request again (same CSR, subject, proofs, period and hash) through
 * cassiopeia.request_ocsp_certificate. One transaction under an advisory lock per CA, so two
 * daemons never queue the same renewal twice. Throws cassiopeia::Error{database}.
 */
[[nodiscard]] OcspRenewal renew_ocsp_responder(pq::Connection& conn,
                                               const std::string& ca,
                                               std::chrono::seconds renew_before);

}  // namespace cassiopeia::client
