// One claimed WebDB job run on the link, its result written back to the queue
// (docs/conventions.md §6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"
#include "connection.hpp"
#include "metrics.hpp"
#include "operations.hpp"
#include "webdb/job_queue.hpp"

namespace cassiopeia::client {

/** Logs that `job` was taken over by another worker: its result is not written. */
void taken_over(const Job& job);

/** The row JobQueue::complete_certificates() writes for `job` from its checked result. */
[[nodiscard]] JobQueue::IssuedCertificate issued_certificate(const Job& job, const SignOutput& out);

/**
 * The certificate job's request as the one-shot `sign` would send it (the CSR as DER, or the
 * SPKAC) in `s`; a `usage` end when the input cannot go into records.
 */
[[nodiscard]] std::optional<JobEnd> certificate_input(const Job& job,
                                                      const CertificateJob& in,
                                                      SignInput& s);

/**
 * Runs `job` (certificate, revocation or OpenPGP) and, when it is done, writes its result to
 * `queue` in one transaction (a job taken over by another worker meanwhile is logged, not
 * written). Input that cannot go into records ends as `usage`; any error other than a
 * database one ends as `verification` (retried later, never a crash of the daemon); database
 * errors propagate as Error{database}. A revocation records its CA's nextUpdate in `metrics`.
 */
[[nodiscard]] JobEnd run_job(Connection& link,
                             const ClientConfig& config,
                             JobQueue& queue,
                             Metrics& metrics,
                             const Job& job);

}  // namespace cassiopeia::client
