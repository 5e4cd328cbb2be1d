// OCSP responder certificates renewed by the queue daemon (ocsp_renewal.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "webdb/ocsp_renewal.hpp"

namespace cassiopeia::client {

OcspRenewal renew_ocsp_responder(pq::Connection& conn,
                                 const std::string& ca,
                                 std::chrono::seconds renew_before) {
    using pq::Param;
    OcspRenewal out;
    pq::Transaction tx{conn};
    (void)conn.exec("SELECT pg_advisory_xact_lock(hashtext('cassiopeia.ocsp_renewal:' || $1))",
                    {Param{ca}});
    const auto newest = conn.exec(
        "SELECT extract(epoch FROM not_after)::bigint, not_after > now() + $2 * interval '1 s', "
        "not_before > now() - interval '1 hour' "
        "FROM cassiopeia.ocsp_responder WHERE ca = $1",
        {Param{ca}, Param::integer(renew_before.count())});
    bool issued_within_the_hour = false;
    if (newest.rows() == 1) {
        out.not_after = newest.int64(0, 0);
        if (newest.text(0, 1) == "t") {
            tx.commit();
            return out;
        }
        issued_within_the_hour = newest.text(0, 2) == "t";
    }
    // The jobs of this CA: one still open, or one that failed within the hour, holds it back.
    const auto jobs = conn.exec(
        "SELECT count(*) FILTER (WHERE j.state IN ('pending', 'running', 'retrying')), "
        "count(*) FILTER (WHERE j.state = 'failed' AND j.updated > now() - interval '1 hour'), "
        "max(r.job_id) "
        "FROM cassiopeia.certificate_requests r JOIN cassiopeia.jobs j ON j.id = r.job_id "
        "WHERE r.ocsp_ca = $1",
        {Param{ca}});
    if (jobs.is_null(0, 2)) {
        out.action = OcspRenewal::Action::no_request;
    } else if (jobs.int64(0, 0) > 0) {
        out.action = OcspRenewal::Action::in_queue;
    } else if (jobs.int64(0, 1) > 0 || issued_within_the_hour) {
        // A margin as long as the certificate's life would otherwise renew at every check.
        out.action = OcspRenewal::Action::held_back;
    } else {
        out.new_job = conn.exec(
                              "SELECT cassiopeia.request_ocsp_certificate("
                              "csr, ocsp_ca, avas, proofs, valid_to, hash) "
                              "FROM cassiopeia.certificate_requests WHERE job_id = $1",
                              {Param::integer(jobs.int64(0, 2))})
                          .int64(0, 0);
        out.action = OcspRenewal::Action::queued;
    }
    tx.commit();
    return out;
}

}  // namespace cassiopeia::client
