// The queue daemon's worker.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "worker.hpp"

#include "job_runner.hpp"
#include "logging.hpp"
#include "signer_check.hpp"
#include "webdb/ocsp_renewal.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <librecord/errors.hpp>

#include <algorithm>
#include <array>
#include <sstream>
#include <unistd.h>

namespace cassiopeia::client {

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.client.run");
    return l;
}

/**
 * `host:line`, the worker name when run.worker is not set: stable across restarts, so that a
 * daemon started again on the same line takes back at once the jobs its crashed predecessor
 * held (docs/protocol.md §8.7), instead of waiting out their lease.
 */
std::string default_worker(const std::string& line) {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) {
        host[0] = '\0';
    }
    return std::string(host.data()) + ":" + line;
}

int64_t epoch_now() {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())
        .time_since_epoch()
        .count();
}

}  // namespace

Worker::Worker(const Invocation& inv, DaemonSignals& signals, std::ostream& err)
    : m_inv(inv),
      m_config(inv.config),
      m_signals(signals),
      m_err(err),
      m_link(inv.config),
      m_worker(inv.config.run.worker.empty() ? default_worker(inv.config.line)
                                             : inv.config.run.worker),
      m_leases(inv.config.webdb_conninfo,
               QueueOptions{inv.config.run.max_attempts, inv.config.run.lease}) {}

int Worker::run() {
    if (!connect_db(db_deadline())) {
        return db_unreachable();
    }
    // A job that was running when this worker died is resumed at once: the worker name is
    // stable (run.worker, or host:line by default).
    release_own_jobs("of an earlier run of " + m_worker + " resumed");
    while (!m_signals.stop_requested()) {
        if (m_signals.take_reopen_request()) {
            configure_logging(m_config.log_config);  // SIGHUP: reopen log files
        }
        try {
            if (const auto exit = pass()) {
                return *exit;
            }
            m_db_backoff.reset();
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::database) {
                throw;
            }
            // Only a lost connection is an outage (docs/protocol.md §8.7); a job's own data
            // errors were settled in process().
            if (!pq::is_connection_error(e)) {
                if (const auto exit = db_refused(e)) {
                    return *exit;
                }
            } else if (!recover_db(e)) {
                return db_unreachable();
            }
        }
    }
    return finish();
}

std::optional<int> Worker::pass() {
    if (SteadyClock::now() >= m_next_status && !signer_usable()) {
        return after_unusable_signer();
    }
    if (!m_config.ocsp.responders.empty() && SteadyClock::now() >= m_next_ocsp) {
        renew_ocsp();
    }
    if (auto job = next_job()) {
        if (m_config.run.window > 1 && job->kind == JobKind::certificate) {
            return work_window(std::move(*job));
        }
        return work(*job);
    }
    if (m_inv.once) {
        return finish();  // nothing pending or due for retry
    }
    idle();
    return std::nullopt;
}

std::optional<Job> Worker::next_job() {
    if (m_claimed.empty()) {
        return m_queue->claim_next(m_worker);
    }
    Job job = std::move(m_claimed.front().first);
    m_claimed.pop_front();  // its lease is kept again while it runs
    return job;
}

int Worker::finish() {
    release_claimed();
    if (m_inv.once && !m_config.ocsp.responders.empty()) {
        try {
            renew_ocsp();  // the gauges show what this run renewed
        } catch (const Error& e) {
            LOG4CPLUS_WARN(log(), "OCSP responder certificates not checked: " << e.what());
        }
    }
    progress(true);
    m_link.close_line();
    return exit_code::ok;
}

// --- the WebDB ---

Worker::SteadyClock::time_point Worker::db_deadline() const {
    return m_inv.once ? SteadyClock::now() + m_config.link.handshake_timeout
                      : SteadyClock::time_point::max();
}

bool Worker::connect_db(SteadyClock::time_point give_up) {
    Backoff backoff;
    while (!m_signals.stop_requested()) {
        try {
            m_queue.reset();
            m_db = std::make_unique<pq::Connection>(pq::Connection::open(m_config.webdb_conninfo));
            m_queue = std::make_unique<JobQueue>(
                *m_db, QueueOptions{m_config.run.max_attempts, m_config.run.lease});
            m_queue->listen();
            if (m_db_outage) {
                LOG4CPLUS_INFO(log(), "WebDB reachable again");
            }
            m_db_outage = false;
            return true;
        } catch (const Error& e) {
            if (!m_db_outage) {
                LOG4CPLUS_ERROR(log(), "WebDB unreachable: " << e.what() << "; retrying");
                m_db_outage = true;  // logged once per outage
            }
        }
        const auto now = SteadyClock::now();
        if (now >= give_up) {
            return false;
        }
        // One last try at the deadline itself, not a back-off step before it.
        m_signals.sleep_for(std::min<SteadyClock::duration>(backoff.next(), give_up - now));
    }
    return false;
}

bool Worker::recover_db(const Error& failure) {
    LOG4CPLUS_ERROR(log(), "WebDB failed: " << failure.what() << "; reconnecting");
    m_db_outage = true;
    if (!connect_db(db_deadline())) {
        return false;
    }
    // Every job this worker holds goes back to pending at once, without counting an attempt:
    // the one in hand, and one whose claim committed while its reply was lost. Their request
    // ids bring back the signer's stored results. Safe: jobs run one at a time here, and none
    // is in progress now.
    release_own_jobs("released after the WebDB outage");
    return true;
}

int Worker::db_unreachable() {
    m_err << "cassiopeia-client: run: the WebDB stayed unreachable\n";
    return m_signals.stop_requested() ? exit_code::ok : exit_code::failure;
}

std::optional<int> Worker::db_refused(const Error& failure) {
    // Not an outage and no job to blame (the claim itself, the CRL copies): the connection
    // is fine, so try again after a pause instead of reconnecting and releasing jobs.
    LOG4CPLUS_ERROR(log(), "WebDB refused a statement: " << failure.what() << "; trying again");
    if (m_inv.once && !pq::is_transient_error(failure)) {
        m_err << "cassiopeia-client: run: the WebDB refused a statement\n";
        return exit_code::failure;
    }
    m_signals.sleep_for(m_db_backoff.next());
    return std::nullopt;
}

void Worker::release_own_jobs(const std::string& why) {
    m_claimed.clear();  // released below with every other job of this worker
    if (const auto n = m_queue->release_worker(m_worker); n > 0) {
        LOG4CPLUS_INFO(log(), n << " job(s) " << why);
    }
}

// --- OCSP responder certificates (sql/README.md) ---

void Worker::renew_ocsp() {
    m_next_ocsp = SteadyClock::now() + m_config.run.status;
    for (const auto& ca : m_config.ocsp.responders) {
        const auto r = renew_ocsp_responder(*m_db, ca, m_config.ocsp.renew_before);
        if (r.not_after) {
            m_metrics.ocsp_not_after[ca] = *r.not_after;
        }
        switch (r.action) {
            case OcspRenewal::Action::queued:
                LOG4CPLUS_INFO(log(),
                               "OCSP responder certificate of " << ca << " due for renewal: job "
                                                                << *r.new_job << " queued");
                break;
            case OcspRenewal::Action::held_back:
                LOG4CPLUS_WARN(log(),
                               "OCSP responder certificate of "
                                   << ca
                                   << " due, but held back: a job of it failed or its newest "
                                      "certificate was issued within the hour");
                break;
            case OcspRenewal::Action::no_request:
                LOG4CPLUS_WARN(log(),
                               "no OCSP responder certificate of "
                                   << ca
                                   << " was ever requested: queue the first one with "
                                      "cassiopeia.request_ocsp_certificate");
                break;
            case OcspRenewal::Action::current:
            case OcspRenewal::Action::in_queue:
                break;
        }
    }
}

// --- the signer check ---

bool Worker::signer_usable() {
    const auto checked = guarded_signer_check();
    if (checked.ok()) {
        m_metrics.link_up = true;
        m_link_backoff.reset();
        m_next_status = SteadyClock::now() + m_config.run.status;
        m_paused.clear();
        return true;
    }
    const auto why = checked.refusal ? checked.refusal->message : checked.detail;
    if (!m_link_outage || why != m_paused) {
        // Logged once per outage, and again when its reason changes (a clock beyond
        // run.max_skew_s after a link failure, say).
        LOG4CPLUS_ERROR(log(), "signer check failed: " << why << "; no job is sent");
        m_link_outage = true;
    }
    m_paused = why;  // shown on the progress line until a check passes
    m_metrics.link_up = false;
    progress(true);
    return false;
}

JobEnd Worker::guarded_signer_check() {
    try {
        return check_signer(m_link, *m_db, *m_queue, m_config, m_metrics);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::database) {
            throw;
        }
        return JobEnd{JobEnd::Kind::verification, std::nullopt, e.what()};
    } catch (const std::exception& e) {
        return JobEnd{JobEnd::Kind::verification, std::nullopt, e.what()};
    }
}

std::optional<int> Worker::after_unusable_signer() {
    if (m_inv.once) {
        m_err << "cassiopeia-client: run: the signer is unreachable or unusable\n";
        return exit_code::failure;
    }
    back_off_link();
    return std::nullopt;
}

void Worker::back_off_link() {
    // §2: after a session or a RESET since the last back-off the line works: start over at
    // the first step, so that a noisy line or a restarted signer is not waited out 10 s.
    const auto stats = m_link.link_stats();
    if (link_progressed(m_backoff_stats, stats)) {
        m_link_backoff.reset();
    }
    m_backoff_stats = stats;
    m_link.close_line();
    m_signals.sleep_for(m_link_backoff.next());
}

// --- jobs ---

std::optional<int> Worker::work(const Job& job) {
    process(job);
    return after_work();
}

std::optional<int> Worker::after_work() {
    m_last_activity = SteadyClock::now();
    progress(false);
    if (!m_link_failed_once) {
        return std::nullopt;
    }
    m_link_failed_once = false;
    release_claimed();  // a link outage never fails a job: they wait for the link as pending
    if (m_inv.once) {
        progress(true);
        m_err << "cassiopeia-client: run: the link stayed down; jobs left pending\n";
        return exit_code::failure;
    }
    m_next_status = SteadyClock::now();  // re-check the signer before going on
    back_off_link();
    return std::nullopt;
}

void Worker::process(const Job& job) {
    // The lease is renewed from the keeper's thread until the job is settled, so a job that
    // runs past run.lease_s is not taken over by another daemon.
    const auto lease = m_leases.keep(job);
    const auto started = SteadyClock::now();
    const auto seconds = [&] {
        return std::chrono::duration<double>(SteadyClock::now() - started).count();
    };
    try {
        const auto end = run_job(m_link, m_config, *m_queue, m_metrics, job);
        if (end.ok()) {
            m_metrics.link_up = true;
            if (m_link_outage) {
                LOG4CPLUS_INFO(log(), "link to the signer up again");
            }
            m_link_outage = false;
        }
        settle(job, end, seconds());
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::database || pq::is_connection_error(e)) {
            throw;  // an outage: run() reconnects and releases this worker's jobs
        }
        job_refused_by_db(job, e, seconds());
    }
}

void Worker::job_refused_by_db(const Job& job, const Error& failure, double seconds) {
    const auto kind = to_string(job.kind);
    // The message may quote the bytes the WebDB refused: keep it to ASCII so it can be stored.
    const std::string message = ascii_message(failure.what());
    if (pq::is_transient_error(failure)) {
        // A conflict with another writer: the attempt counts and the job is tried again.
        const auto state =
            m_queue->retry_later(job, ClientErrorCode::webdb_busy, message, retry_delay(job));
        if (state == JobState::failed) {
            count_failed(kind, seconds);
        }
        LOG4CPLUS_WARN(log(), "job " << job.id << ": " << message << "; retrying later");
        return;
    }
    // The WebDB refused this job's input or result (bad data, a constraint): running it again
    // would meet the same refusal, so it fails alone and the queue goes on.
    count_failed(kind, seconds);
    (void)m_queue->fail(job, ClientErrorCode::webdb_data, message);
    LOG4CPLUS_ERROR(log(), "job " << job.id << " failed: webdb_data " << message);
}

std::chrono::seconds Worker::retry_delay(const Job& job) const {
    return m_config.run.retry * (1 << std::min(job.attempt - 1, 8));
}

void Worker::settle(const Job& job, const JobEnd& end, double seconds) {
    const auto kind = to_string(job.kind);
    switch (end.kind) {
        case JobEnd::Kind::done:
            ++m_done;
            m_metrics.job(kind, "done", seconds);
            m_metrics.last_success = epoch_now();
            LOG4CPLUS_INFO(log(), "job " << job.id << " (" << kind << ") done");
            return;
        case JobEnd::Kind::refused:
            // docs/conventions.md §5: every refusal by the signer fails the job at once. Counted
            // once written: a message the WebDB refuses fails the job as webdb_data instead.
            (void)m_queue->fail(job, end.refusal->code, end.refusal->message);
            count_failed(kind, seconds);
            LOG4CPLUS_INFO(log(), "job " << job.id << " refused: " << end.refusal->payload());
            if (end.refusal->code == librecord::ErrorCode::internal) {
                // The signer failed (a key in a token gone, say: docs/hsm.md): check it before
                // the next job, so that an outage fails the requests in flight, not the queue.
                m_next_status = SteadyClock::now();
            }
            return;
        case JobEnd::Kind::usage:
            // Input the client cannot even put into records: bad_request without retries.
            (void)m_queue->fail(job, librecord::ErrorCode::bad_request, end.detail);
            count_failed(kind, seconds);
            LOG4CPLUS_INFO(log(), "job " << job.id << " failed: bad_request " << end.detail);
            return;
        case JobEnd::Kind::link:
            link_down(job, end);
            return;
        case JobEnd::Kind::verification: {
            const auto state = m_queue->retry_later(
                job, ClientErrorCode::verification, end.detail, retry_delay(job));
            if (state == JobState::failed) {
                count_failed(kind, seconds);
            }
            LOG4CPLUS_WARN(log(), "job " << job.id << ": " << end.detail << "; retrying later");
            return;
        }
    }
}

void Worker::count_failed(std::string_view kind, double seconds) {
    ++m_failed;
    m_metrics.job(kind, "failed", seconds);
}

void Worker::link_down(const Job& job, const JobEnd& end) {
    // A link or signer outage never fails a job: it waits for the link.
    (void)m_queue->release(job);
    m_metrics.link_up = false;
    if (!m_link_outage) {
        LOG4CPLUS_ERROR(log(),
                        "link to the signer on " << m_config.line << " down: " << end.detail);
        m_link_outage = true;
    }
    m_link_failed_once = true;
}

// --- idle ---

void Worker::idle() {
    progress(true);
    // Close the session (and free the line for another daemon) after idle_s.
    if (session_idle()) {
        LOG4CPLUS_INFO(log(), "queue idle: closing the link session");
        m_link.close_line();
    }
    wait_for_work();
}

void Worker::wait_for_work() {
    // Wake on NOTIFY, or poll; short slices so that a stop signal is seen promptly.
    const auto poll_until = SteadyClock::now() + m_config.run.poll;
    while (!m_signals.stop_requested() && SteadyClock::now() < poll_until) {
        if (m_db->wait_notification(std::chrono::milliseconds(500))) {
            return;
        }
        if (session_idle()) {
            return;
        }
    }
}

bool Worker::session_idle() const {
    return m_link.session_open() && SteadyClock::now() - m_last_activity >= m_config.idle;
}

void Worker::progress(bool force) {
    const auto now = SteadyClock::now();
    if (!force && now - m_last_progress < std::chrono::seconds(1)) {
        return;
    }
    m_last_progress = now;
    m_link.report_link();
    m_metrics.link = m_link.link_stats();
    const auto q = m_queue->summary();
    std::ostringstream line;
    line << "run: " << m_done << " done, " << m_failed << " failed, " << q.due << " due, "
         << q.waiting << " waiting for retry";
    if (!m_paused.empty()) {
        line << "; paused: " << m_paused;
    }
    if (line.str() != m_last_line) {  // a progress line when something changed, not per poll
        m_err << line.str() << '\n';
        m_last_line = line.str();
    }
    write_metrics(m_config.run.metrics_file, m_metrics, q);
}

}  // namespace cassiopeia::client
