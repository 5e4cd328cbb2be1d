// The WebDB job queue as the client daemon works it: claim, complete, fail, retry, release.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "webdb/job_queue.hpp"

#include <librecord/hex.hpp>
#include <librecord/serial_text.hpp>

#include <charconv>

namespace cassiopeia::client {

namespace {

using pq::Param;

// The lease check of every change to a held job: still ours, same attempt, still running.
constexpr std::string_view held = "id = $1 AND worker = $2 AND attempts = $3 AND state = 'running'";

std::string utc_text_sql(std::string_view column) {
    return "to_char(" + std::string{column} +
           " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')";
}

Param u64(uint64_t value) {
    return Param{std::to_string(value)};
}

}  // namespace

std::string_view to_string(JobKind kind) noexcept {
    switch (kind) {
        case JobKind::certificate:
            return "certificate";
        case JobKind::revocation:
            return "revocation";
        case JobKind::openpgp:
            return "openpgp";
    }
    return "?";
}

std::string_view to_string(JobState state) noexcept {
    switch (state) {
        case JobState::pending:
            return "pending";
        case JobState::running:
            return "running";
        case JobState::done:
            return "done";
        case JobState::failed:
            return "failed";
        case JobState::retrying:
            return "retrying";
    }
    return "?";
}

std::optional<JobKind> to_job_kind(std::string_view text) noexcept {
    for (const auto k : {JobKind::certificate, JobKind::revocation, JobKind::openpgp}) {
        if (to_string(k) == text) {
            return k;
        }
    }
    return std::nullopt;
}

std::optional<JobState> to_job_state(std::string_view text) noexcept {
    for (const auto s : {JobState::pending,
                         JobState::running,
                         JobState::done,
                         JobState::failed,
                         JobState::retrying}) {
        if (to_string(s) == text) {
            return s;
        }
    }
    return std::nullopt;
}

std::string ascii_message(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<uint8_t>(c);
        if (byte >= 0x20 && byte < 0x7F && c != '\\') {
            out += c;
        } else {
            out += "\\x" + librecord::to_hex(std::span<const uint8_t>{&byte, 1});
        }
    }
    return out;
}

std::optional<std::string> job_serial(std::string_view text) {
    auto canonical = librecord::canonical_serial(text);
    if (!canonical || *canonical == "00") {
        return std::nullopt;  // zero is no serial (RFC 5280 §4.1.2.2)
    }
    return std::move(canonical.value());
}

void JobQueue::listen() {
    m_conn.listen(channel);
}

std::optional<Job> JobQueue::claim_next(const std::string& worker_id) {
    auto jobs = claim_batch(worker_id, 1);
    if (jobs.empty()) {
        return std::nullopt;
    }
    return std::move(jobs.front());
}

std::vector<Job> JobQueue::claim_batch(const std::string& worker_id, size_t max) {
    std::vector<Job> jobs;
    pq::Transaction tx{m_conn};
    while (jobs.size() < max) {
        bool known_kind = false;
        auto job = take_next(worker_id, known_kind);
        if (!job) {
            break;
        }
        // The inputs are read under a savepoint: a row the database or the array reader
        // refuses fails that job alone, and the queue goes on (docs/protocol.md §8.7).
        (void)m_conn.exec("SAVEPOINT load_input");
        const auto refused = input_refused(*job, known_kind);
        (void)m_conn.exec("RELEASE SAVEPOINT load_input");
        if (!refused) {
            jobs.push_back(std::move(*job));
        } else if (!finish(*job, JobState::failed, refused->first, refused->second)) {
            break;
        }
    }
    tx.commit();
    return jobs;
}

std::optional<Job> JobQueue::take_next(const std::string& worker_id, bool& known_kind) {
    const auto r = m_conn.exec(
        "WITH next AS ("
        "  SELECT id FROM cassiopeia.jobs"
        "  WHERE state = 'pending'"
        "     OR (state = 'retrying' AND next_attempt <= now())"
        "     OR (state = 'running' AND heartbeat < now() - make_interval(secs => $2::float8))"
        "  ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)"
        " UPDATE cassiopeia.jobs j SET state = 'running', attempts = j.attempts + 1,"
        "   worker = $1, heartbeat = now(), next_attempt = NULL"
        " FROM next WHERE j.id = next.id"
        " RETURNING j.id, j.kind, j.attempts",
        {Param{worker_id}, Param::integer(m_options.lease.count())});
    if (r.rows() == 0) {
        return std::nullopt;
    }
    Job job;
    job.id = r.int64(0, 0);
    job.attempt = static_cast<int>(r.int64(0, 2));
    job.worker = worker_id;
    const auto kind = to_job_kind(r.text(0, 1));
    known_kind = kind.has_value();  // the CHECK on jobs.kind makes an unknown one unreachable
    job.kind = kind.value_or(JobKind::certificate);
    return job;
}

std::optional<std::pair<std::string, std::string>> JobQueue::input_refused(Job& job,
                                                                           bool known_kind) {
    try {
        if (known_kind && load_input(job)) {
            return std::nullopt;
        }
        // Unreachable through the request functions; failing it keeps the queue moving.
        return std::pair{std::string{librecord::to_string(librecord::ErrorCode::bad_request)},
                         std::string{"the job has no request row"}};
    } catch (const cassiopeia::Error& e) {
        if (e.kind() != cassiopeia::ErrorKind::database || pq::is_connection_error(e) ||
            pq::is_transient_error(e)) {
            throw;  // an outage or a conflict: nothing is wrong with this job
        }
        (void)m_conn.exec("ROLLBACK TO SAVEPOINT load_input");
        return std::pair{std::string{to_string(ClientErrorCode::webdb_data)},
                         ascii_message(std::string{"the job's input cannot be read: "} + e.what())};
    }
}

bool JobQueue::load_input(Job& job) {
    const Param id = Param::integer(job.id);
    switch (job.kind) {
        case JobKind::certificate: {
            const auto r = m_conn.exec(
                "SELECT csr, COALESCE(profile, ''), COALESCE(ocsp_ca, ''), sans, avas, proofs, " +
                    utc_text_sql("valid_from") +
                    ", valid_to, hash FROM cassiopeia.certificate_requests WHERE job_id = $1",
                {id});
            if (r.rows() != 1) {
                return false;
            }
            job.input = CertificateJob{r.text(0, 0),
                                       r.text(0, 1),
                                       r.text(0, 2),
                                       r.text_array(0, 3),
                                       r.text_array(0, 4),
                                       r.text_array(0, 5),
                                       r.optional_text(0, 6),
                                       r.optional_text(0, 7),
                                       r.text(0, 8)};
            return true;
        }
        case JobKind::revocation: {
            const auto r = m_conn.exec(
                "SELECT ca, serials FROM cassiopeia.revocation_requests WHERE job_id = $1", {id});
            if (r.rows() != 1) {
                return false;
            }
            job.input = RevocationJob{r.text(0, 0), r.text_array(0, 1)};
            return true;
        }
        case JobKind::openpgp: {
            const auto r = m_conn.exec(
                "SELECT key, proofs FROM cassiopeia.openpgp_requests WHERE job_id = $1", {id});
            if (r.rows() != 1) {
                return false;
            }
            job.input = OpenpgpJob{r.text(0, 0), r.text_array(0, 1)};
            return true;
        }
    }
    return false;
}

bool JobQueue::finish(const Job& job,
                      JobState state,
                      const std::optional<std::string>& code,
                      const std::optional<std::string>& message) {
    const auto r = m_conn.exec(
        "UPDATE cassiopeia.jobs SET state = $4, worker = NULL, heartbeat = NULL,"
        " next_attempt = NULL, error_code = $5, error_message = $6 WHERE " +
            std::string{held},
        {Param::integer(job.id),
         Param{job.worker},
         Param::integer(job.attempt),
         Param{to_string(state)},
         code ? Param{*code} : Param::null(),
         message ? Param{*message} : Param::null()});
    return r.affected() == 1;
}

void JobQueue::write_log(const Job& job, const std::string& log) {
    (void)m_conn.exec(
        "INSERT INTO cassiopeia.job_logs (job_id, attempt, log) VALUES ($1, $2, $3)"
        " ON CONFLICT (job_id, attempt) DO UPDATE SET log = EXCLUDED.log, created = now()",
        {Param::integer(job.id), Param::integer(job.attempt), Param{log}});
}

bool JobQueue::heartbeat(const Job& job) {
    const auto r =
        m_conn.exec("UPDATE cassiopeia.jobs SET heartbeat = now() WHERE " + std::string{held},
                    {Param::integer(job.id), Param{job.worker}, Param::integer(job.attempt)});
    return r.affected() == 1;
}

bool JobQueue::complete_certificate(const Job& job,
                                    const std::string& pem,
                                    const std::string& serial,
                                    const std::string& ca,
                                    const std::string& not_before,
                                    const std::string& not_after,
                                    const std::string& log) {
    return complete_certificates(
               {IssuedCertificate{&job, pem, serial, ca, not_before, not_after, log}})
        .front();
}

std::vector<bool> JobQueue::complete_certificates(const std::vector<IssuedCertificate>& issued) {
    std::vector<bool> written;
    pq::Transaction tx{m_conn};
    for (const auto& c : issued) {
        const auto canonical = job_serial(c.serial);
        if (!canonical) {
            throw cassiopeia::Error{
                cassiopeia::ErrorKind::decode, "JobQueue::complete_certificate", "bad serial"};
        }
        if (!finish(*c.job, JobState::done, std::nullopt, std::nullopt)) {
            written.push_back(false);  // taken over: nothing of it is written
            continue;
        }
        (void)m_conn.exec(
            "INSERT INTO cassiopeia.certificates (job_id, serial, ca, pem, not_before, not_after)"
            " VALUES ($1, $2, $3, $4, $5, $6)",
            {Param::integer(c.job->id),
             Param{*canonical},
             Param{c.ca},
             Param{c.pem},
             Param{c.not_before},
             Param{c.not_after}});
        write_log(*c.job, c.log);
        written.push_back(true);
    }
    tx.commit();
    return written;
}

bool JobQueue::complete_revocation(const Job& job,
                                   const std::string& ca,
                                   std::span<const uint8_t> crl_der,
                                   uint64_t crl_number,
                                   const std::string& this_update,
                                   const std::string& next_update,
                                   const std::vector<RevokedSerial>& revoked,
                                   const std::string& log) {
    std::vector<std::string> serials;
    std::vector<std::string> times;
    std::vector<std::string> reasons;
    for (const auto& entry : revoked) {
        auto canonical = job_serial(entry.serial);
        if (!canonical) {
            throw cassiopeia::Error{
                cassiopeia::ErrorKind::decode, "JobQueue::complete_revocation", "bad serial"};
        }
        serials.push_back(std::move(*canonical));
        times.push_back(entry.revoked_at);
        reasons.push_back(entry.reason.value_or(""));
    }
    pq::Transaction tx{m_conn};
    if (!finish(job, JobState::done, std::nullopt, std::nullopt)) {
        return false;
    }
    // A serial already revoked keeps its original entry (docs/protocol.md §5.6).
    (void)m_conn.exec(
        "INSERT INTO cassiopeia.revoked (ca, serial, revoked_at, reason, job_id)"
        " SELECT $1, s, t::timestamptz, NULLIF(r, ''), $5"
        " FROM unnest($2::text[], $3::text[], $4::text[]) AS u(s, t, r)"
        " ON CONFLICT (ca, serial) DO NOTHING",
        {Param{ca},
         Param::text_array(serials),
         Param::text_array(times),
         Param::text_array(reasons),
         Param::integer(job.id)});
    (void)m_conn.exec(
        "INSERT INTO cassiopeia.revocation_results (job_id, ca, crl_number) VALUES ($1, $2, $3)",
        {Param::integer(job.id), Param{ca}, u64(crl_number)});
    (void)upsert_crl(ca, crl_der, crl_number, this_update, next_update);
    write_log(job, log);
    tx.commit();
    return true;
}

bool JobQueue::complete_openpgp(const Job& job,
                                const std::string& armored,
                                const std::string& log) {
    pq::Transaction tx{m_conn};
    if (!finish(job, JobState::done, std::nullopt, std::nullopt)) {
        return false;
    }
    (void)m_conn.exec(
        "INSERT INTO cassiopeia.openpgp_results (job_id, armored_key) VALUES ($1, $2)",
        {Param::integer(job.id), Param{armored}});
    write_log(job, log);
    tx.commit();
    return true;
}

bool JobQueue::fail(const Job& job,
                    JobErrorCode code,
                    const std::string& message,
                    const std::optional<std::string>& log) {
    pq::Transaction tx{m_conn};
    if (!finish(job, JobState::failed, std::string{code.text()}, message)) {
        return false;
    }
    if (log) {
        write_log(job, *log);
    }
    tx.commit();
    return true;
}

std::optional<JobState> JobQueue::retry_later(const Job& job,
                                              JobErrorCode code,
                                              const std::string& message,
                                              std::chrono::seconds delay,
                                              const std::optional<std::string>& log) {
    pq::Transaction tx{m_conn};
    const auto r = m_conn.exec(
        "UPDATE cassiopeia.jobs SET"
        " state = CASE WHEN attempts >= $4 THEN 'failed' ELSE 'retrying' END,"
        " next_attempt = CASE WHEN attempts >= $4 THEN NULL"
        "                ELSE now() + make_interval(secs => $5::float8) END,"
        " worker = NULL, heartbeat = NULL, error_code = $6, error_message = $7"
        " WHERE " +
            std::string{held} + " RETURNING state",
        {Param::integer(job.id),
         Param{job.worker},
         Param::integer(job.attempt),
         Param::integer(m_options.max_attempts),
         Param::integer(delay.count()),
         Param{std::string{code.text()}},
         Param{message}});
    if (r.rows() != 1) {
        return std::nullopt;
    }
    const auto state = to_job_state(r.text(0, 0));
    if (log) {
        write_log(job, *log);
    }
    tx.commit();
    return state;
}

bool JobQueue::release(const Job& job) {
    const auto r = m_conn.exec(
        "UPDATE cassiopeia.jobs SET state = 'pending', attempts = attempts - 1,"
        " worker = NULL, heartbeat = NULL WHERE " +
            std::string{held},
        {Param::integer(job.id), Param{job.worker}, Param::integer(job.attempt)});
    return r.affected() == 1;
}

int64_t JobQueue::release_worker(const std::string& worker_id) {
    const auto r = m_conn.exec(
        "UPDATE cassiopeia.jobs SET state = 'pending', attempts = attempts - 1,"
        " worker = NULL, heartbeat = NULL WHERE state = 'running' AND worker = $1",
        {Param{worker_id}});
    return r.affected();
}

bool JobQueue::upsert_crl(const std::string& ca,
                          std::span<const uint8_t> der,
                          uint64_t crl_number,
                          const std::string& this_update,
                          const std::string& next_update) {
    const auto r = m_conn.exec(
        "INSERT INTO cassiopeia.crls (ca, der, crl_number, this_update, next_update)"
        " VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (ca) DO UPDATE SET der = EXCLUDED.der, crl_number = EXCLUDED.crl_number,"
        "   this_update = EXCLUDED.this_update, next_update = EXCLUDED.next_update"
        " WHERE cassiopeia.crls.crl_number < EXCLUDED.crl_number",
        {Param{ca}, Param::bytea(der), u64(crl_number), Param{this_update}, Param{next_update}});
    return r.affected() == 1;
}

bool JobQueue::store_crl(const std::string& ca,
                         std::span<const uint8_t> der,
                         uint64_t crl_number,
                         const std::string& this_update,
                         const std::string& next_update) {
    return upsert_crl(ca, der, crl_number, this_update, next_update);  // one statement
}

std::map<std::string, uint64_t> JobQueue::crl_numbers() {
    const auto r = m_conn.exec("SELECT ca, crl_number::text FROM cassiopeia.crls");
    std::map<std::string, uint64_t> out;
    for (int i = 0; i < r.rows(); ++i) {
        const std::string n = r.text(i, 1);
        uint64_t value = 0;
        const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), value);
        if (ec != std::errc{} || end != n.data() + n.size()) {
            throw cassiopeia::Error{
                cassiopeia::ErrorKind::database, "JobQueue::crl_numbers", "CRL number " + n};
        }
        out.emplace(r.text(i, 0), value);
    }
    return out;
}

QueueSummary JobQueue::summary() {
    const auto r = m_conn.exec(
        "SELECT"
        " count(*) FILTER (WHERE state = 'pending'"
        "   OR (state = 'retrying' AND next_attempt <= now())"
        "   OR (state = 'running' AND heartbeat < now() - make_interval(secs => $1::float8))),"
        " count(*) FILTER (WHERE state = 'retrying' AND next_attempt > now()),"
        " count(*) FILTER (WHERE state = 'running'"
        "   AND heartbeat >= now() - make_interval(secs => $1::float8)),"
        " ceil(extract(epoch FROM min(next_attempt - now())"
        "   FILTER (WHERE state = 'retrying' AND next_attempt > now())) * 1000)::bigint"
        " FROM cassiopeia.jobs WHERE state IN ('pending', 'retrying', 'running')",
        {Param::integer(m_options.lease.count())});
    QueueSummary s;
    s.due = r.int64(0, 0);
    s.waiting = r.int64(0, 1);
    s.running = r.int64(0, 2);
    if (!r.is_null(0, 3)) {
        s.next_retry_in = std::chrono::milliseconds{r.int64(0, 3)};
    }
    return s;
}

}  // namespace cassiopeia::client
