// The queue daemon: `cassiopeia-client run [--once]`.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "daemon.hpp"

#include "commands.hpp"
#include "connection.hpp"
#include "crl/crl.hpp"
#include "logging.hpp"
#include "operations.hpp"
#include "ossl/x509.hpp"
#include "pq/pq.hpp"
#include "webdb/job_queue.hpp"

#include <librecord/errors.hpp>
#include <librecord/utc.hpp>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace cassiopeia::client {

namespace lr = librecord;

namespace {

using SteadyClock = std::chrono::steady_clock;

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.client.run");
    return l;
}

// Set from signal handlers; sig_atomic_t is what a handler may write (C++ [support.signal]).
volatile std::sig_atomic_t g_stop =
    0;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)
volatile std::sig_atomic_t g_reopen =
    0;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

extern "C" void on_stop_signal(int /*sig*/) {
    g_stop = 1;
}

extern "C" void on_hup_signal(int /*sig*/) {
    g_reopen = 1;
}

void install_signal_handlers() {
    struct sigaction sa {};

    sa.sa_handler = on_stop_signal;
    ::sigemptyset(&sa.sa_mask);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    sa.sa_handler = on_hup_signal;
    ::sigaction(SIGHUP, &sa, nullptr);
}

std::string default_worker() {
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) {
        host[0] = '\0';
    }
    return std::string(host.data()) + ":" + std::to_string(::getpid());
}

std::string utc_now() {
    return librecord::format_utc(
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

/** Counters behind the metrics file (issue #6). */
struct Metrics {
    std::map<std::pair<std::string, std::string>, uint64_t> jobs;  // (kind, outcome) -> count
    std::optional<int64_t> last_success;
    bool link_up = false;
    static constexpr std::array<double, 8> bounds{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    std::array<uint64_t, bounds.size()> buckets{};
    uint64_t count = 0;
    double sum = 0;
    std::map<std::string, int64_t> crl_next_update;

    void job(std::string_view kind, std::string_view outcome, double seconds) {
        ++jobs[{std::string(kind), std::string(outcome)}];
        for (size_t i = 0; i < bounds.size(); ++i) {
            if (seconds <= bounds.at(i)) {
                ++buckets.at(i);
            }
        }
        ++count;
        sum += seconds;
    }
};

/** Rewrites the Prometheus text file atomically (temp file in the same folder + rename). */
void write_metrics(const std::string& path, const Metrics& m, const QueueSummary& q) {
    if (path.empty()) {
        return;
    }
    std::ostringstream o;
    o << "# HELP cassiopeia_queue_jobs Jobs in the WebDB queue by state.\n"
      << "# TYPE cassiopeia_queue_jobs gauge\n"
      << "cassiopeia_queue_jobs{state=\"due\"} " << q.due << '\n'
      << "cassiopeia_queue_jobs{state=\"waiting\"} " << q.waiting << '\n'
      << "cassiopeia_queue_jobs{state=\"running\"} " << q.running << '\n'
      << "# HELP cassiopeia_jobs_total Jobs finished by this daemon.\n"
      << "# TYPE cassiopeia_jobs_total counter\n";
    for (const char* kind : {"certificate", "revocation", "openpgp"}) {
        for (const char* outcome : {"done", "failed"}) {
            const auto it = m.jobs.find({kind, outcome});
            o << "cassiopeia_jobs_total{kind=\"" << kind << "\",outcome=\"" << outcome << "\"} "
              << (it == m.jobs.end() ? 0 : it->second) << '\n';
        }
    }
    o << "# TYPE cassiopeia_last_success_timestamp_seconds gauge\n"
      << "cassiopeia_last_success_timestamp_seconds " << m.last_success.value_or(0) << '\n'
      << "# TYPE cassiopeia_link_up gauge\n"
      << "cassiopeia_link_up " << (m.link_up ? 1 : 0) << '\n'
      << "# TYPE cassiopeia_job_duration_seconds histogram\n";
    for (size_t i = 0; i < Metrics::bounds.size(); ++i) {
        o << "cassiopeia_job_duration_seconds_bucket{le=\"" << Metrics::bounds.at(i) << "\"} "
          << m.buckets.at(i) << '\n';
    }
    o << "cassiopeia_job_duration_seconds_bucket{le=\"+Inf\"} " << m.count << '\n'
      << "cassiopeia_job_duration_seconds_sum " << m.sum << '\n'
      << "cassiopeia_job_duration_seconds_count " << m.count << '\n'
      << "# TYPE cassiopeia_crl_next_update_timestamp_seconds gauge\n";
    for (const auto& [ca, t] : m.crl_next_update) {
        o << "cassiopeia_crl_next_update_timestamp_seconds{ca=\"" << ca << "\"} " << t << '\n';
    }
    const std::string tmp = path + ".tmp";
    {
        std::ofstream f(tmp, std::ios::trunc);
        f << o.str();
        if (!f) {
            LOG4CPLUS_WARN(log(), "cannot write " << tmp);
            return;
        }
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        LOG4CPLUS_WARN(log(), "cannot rename " << tmp);
    }
}

int64_t epoch_of(const std::string& utc) {
    const auto t = parse_utc(utc);
    return t ? t->time_since_epoch().count() : 0;
}

/** One worker: the WebDB connection, the queue and the link, and what it counts. */
class Daemon final {
public:
    Daemon(const Invocation& inv, std::ostream& err)
        : m_inv(inv),
          m_config(inv.config),
          m_err(err),
          m_link(inv.config),
          m_worker(inv.config.run.worker.empty() ? default_worker() : inv.config.run.worker) {}

    int run();

private:
    [[nodiscard]] bool connect_db(SteadyClock::time_point give_up);
    [[nodiscard]] JobEnd check_signer();
    void process(const Job& job);
    [[nodiscard]] JobEnd process_certificate(const Job& job, const CertificateJob& in);
    [[nodiscard]] JobEnd process_revocation(const Job& job, const RevocationJob& in);
    [[nodiscard]] JobEnd process_openpgp(const Job& job, const OpenpgpJob& in);
    void settle(const Job& job, const JobEnd& end, double seconds);
    void progress(bool force);

    const Invocation& m_inv;
    const ClientConfig& m_config;
    std::ostream& m_err;
    Connection m_link;
    std::string m_worker;
    std::unique_ptr<pq::Connection> m_db;
    std::unique_ptr<JobQueue> m_queue;
    Metrics m_metrics;
    uint64_t m_done = 0;
    uint64_t m_failed = 0;
    bool m_link_outage = false;
    bool m_db_outage = false;
    bool m_link_failed_once = false;  // --once: the link stayed down past its deadline
    SteadyClock::time_point m_last_progress{};
    std::string m_last_line;
    SteadyClock::time_point m_last_activity = SteadyClock::now();
};

bool Daemon::connect_db(SteadyClock::time_point give_up) {
    auto backoff = std::chrono::milliseconds(500);
    while (g_stop == 0) {
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
        std::this_thread::sleep_for(std::min<SteadyClock::duration>(backoff, give_up - now));
        backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
    }
    return false;
}

JobEnd Daemon::check_signer() {
    // Issue #6: compare clocks and refuse to work past the configured skew; the signer's clock
    // is never set from here. Then refresh CRLs that are newer or near their nextUpdate.
    const auto time = m_link.request({{lr::Command::get_timestamp, {}}}, 1);
    if (auto failed = job_end(time); !failed.ok()) {
        return failed;
    }
    JobEnd end;
    const auto& t = time.replies.front().payload;
    const auto signer = parse_utc(std::string(t.begin(), t.end()));
    const auto local = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    if (!signer) {
        end.kind = JobEnd::Kind::verification;
        end.detail = "unreadable time from the signer";
        return end;
    }
    const auto skew = std::chrono::abs(*signer - local);
    if (skew > m_config.run.max_skew) {
        end.kind = JobEnd::Kind::verification;
        end.detail = "the signer's clock is " + std::to_string(skew.count()) +
                     " s off ours (run.max_skew_s " +
                     std::to_string(m_config.run.max_skew.count()) + ")";
        return end;
    }
    const auto status = m_link.request({{lr::Command::get_status_report, {}}}, 1);
    if (auto failed = job_end(status); !failed.ok()) {
        return failed;
    }
    boost::property_tree::ptree report;
    try {
        const auto& p = status.replies.front().payload;
        std::istringstream in(std::string(p.begin(), p.end()));
        boost::property_tree::read_json(in, report);
    } catch (const std::exception& e) {
        end.kind = JobEnd::Kind::verification;
        end.detail = std::string("unreadable status report: ") + e.what();
        return end;
    }
    const auto known = m_queue->crl_numbers();
    const auto horizon = local + std::chrono::hours(24);
    const boost::property_tree::ptree none;
    for (const auto& [key, ca] : report.get_child("cas", none)) {
        const auto name = ca.get<std::string>("name", "");
        // §5.7 allows new members; a value of another type is skipped, never a crash.
        const auto number = ca.get_optional<uint64_t>("crl_number").value_or(0);
        const auto next = parse_utc(ca.get<std::string>("next_update", ""));
        if (name.empty() || number == 0) {
            continue;
        }
        if (next) {
            m_metrics.crl_next_update[name] = next->time_since_epoch().count();
        }
        const auto have = known.find(name);
        const bool stale = next && *next <= horizon;
        if (have != known.end() && have->second >= number && !stale) {
            continue;
        }
        auto crl = fetch_full_crl(m_link, m_config, name);
        if (!crl.end.ok()) {
            LOG4CPLUS_WARN(log(), "CRL of " << name << " not refreshed: " << crl.end.detail);
            continue;
        }
        (void)m_queue->store_crl(name,
                                 crl.der,
                                 static_cast<uint64_t>(crl.crl_number),
                                 crl::crl_this_update(crl.der).value_or(""),
                                 crl::crl_next_update(crl.der).value_or(""));
    }
    return end;
}

JobEnd Daemon::process_certificate(const Job& job, const CertificateJob& in) {
    SignInput s;
    s.request_id = job.request_id();
    constexpr std::string_view spkac_prefix = "SPKAC:";
    const std::span<const uint8_t> raw{reinterpret_cast<const uint8_t*>(in.csr.data()),  // NOLINT
                                       in.csr.size()};
    JobEnd bad;
    bad.kind = JobEnd::Kind::usage;
    if (in.csr.starts_with(spkac_prefix)) {
        auto spkac = ossl::spkac_from_file(raw.subspan(spkac_prefix.size()));
        if (!spkac) {
            bad.detail = "the SPKAC cannot be decoded";
            return bad;
        }
        s.spkac = std::move(*spkac);
    } else {
        auto der = ossl::csr_to_der(raw);
        if (!der) {
            bad.detail = "the CSR is neither PEM nor DER";
            return bad;
        }
        s.csr_der = std::move(*der);
    }
    s.hash = in.hash;
    s.profile = in.profile;
    s.from = in.valid_from.value_or("");
    s.to = in.valid_to.value_or("");
    s.sans = in.sans;
    s.avas = in.avas;
    s.proofs = in.proofs;
    // The log travels with the result: it is written in the same transaction as the
    // certificate (docs/protocol.md §8.7), and a replay gets the same bytes from the signer.
    auto result = issue_certificate(m_link, s, {});
    if (result.end.ok()) {
        const auto& c = *result.certificate;
        if (!m_queue->complete_certificate(job,
                                           c.pem,
                                           c.serial,
                                           result.ca,
                                           c.not_before,
                                           c.not_after,
                                           std::string(result.log.begin(), result.log.end()))) {
            LOG4CPLUS_WARN(log(), "job " << job.id << " was taken over; result not written");
        }
    }
    return result.end;
}

JobEnd Daemon::process_revocation(const Job& job, const RevocationJob& in) {
    auto result = revoke_serials(m_link, m_config, in.ca, in.serials);
    if (!result.end.ok()) {
        return result.end;
    }
    // What the verified CRL says of each requested serial: its own revocation date and reason
    // (a replayed job may get a later delta that no longer lists its serials as added).
    const auto this_update = crl::crl_this_update(result.der).value_or(utc_now());
    const auto entries = crl::crl_revoked(result.der).value_or(std::vector<crl::CrlEntry>{});
    std::vector<RevokedSerial> revoked;
    for (const auto& s : in.serials) {
        const auto serial = canonical_serial(s.substr(0, s.find(',')));
        const auto entry =
            std::find_if(entries.begin(), entries.end(), [&](const crl::CrlEntry& e) {
                return serial && e.serial == *serial;
            });
        if (entry != entries.end()) {
            revoked.push_back(RevokedSerial{entry->serial, entry->revoked_at, entry->reason});
        }
    }
    if (!m_queue->complete_revocation(job,
                                      in.ca,
                                      result.der,
                                      static_cast<uint64_t>(result.crl_number),
                                      this_update,
                                      crl::crl_next_update(result.der).value_or(""),
                                      revoked,
                                      "revoke " + in.ca + " via " + result.via + "\n")) {
        LOG4CPLUS_WARN(log(), "job " << job.id << " was taken over; result not written");
    }
    if (const auto next = crl::crl_next_update(result.der)) {
        m_metrics.crl_next_update[in.ca] = epoch_of(*next);
    }
    return result.end;
}

JobEnd Daemon::process_openpgp(const Job& job, const OpenpgpJob& in) {
    PgpInput p;
    p.request_id = job.request_id();
    p.armoured_key = in.key;
    p.proofs = in.proofs;
    if (in.key.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") == std::string::npos) {
        JobEnd bad;
        bad.kind = JobEnd::Kind::usage;
        bad.detail = "the key is not an armoured OpenPGP public key";
        return bad;
    }
    auto result = certify_openpgp_key(m_link, p, {});
    if (result.end.ok() &&
        !m_queue->complete_openpgp(
            job, result.armoured, std::string(result.log.begin(), result.log.end()))) {
        LOG4CPLUS_WARN(log(), "job " << job.id << " was taken over; result not written");
    }
    return result.end;
}

void Daemon::settle(const Job& job, const JobEnd& end, double seconds) {
    const auto kind = to_string(job.kind);
    switch (end.kind) {
        case JobEnd::Kind::done:
            ++m_done;
            m_metrics.job(kind, "done", seconds);
            m_metrics.last_success =
                std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())
                    .time_since_epoch()
                    .count();
            LOG4CPLUS_INFO(log(), "job " << job.id << " (" << kind << ") done");
            return;
        case JobEnd::Kind::refused:
            // Conventions §5: every refusal by the signer fails the job at once.
            ++m_failed;
            m_metrics.job(kind, "failed", seconds);
            (void)m_queue->fail(job, end.refusal->code, end.refusal->message);
            LOG4CPLUS_INFO(log(),
                           "job " << job.id << " refused: " << end.refusal->code << ' '
                                  << end.refusal->message);
            return;
        case JobEnd::Kind::usage:
            // Input the client cannot even put into records: bad_request without retries.
            ++m_failed;
            m_metrics.job(kind, "failed", seconds);
            (void)m_queue->fail(job, "bad_request", end.detail);
            LOG4CPLUS_INFO(log(), "job " << job.id << " failed: bad_request " << end.detail);
            return;
        case JobEnd::Kind::link:
            // A link or signer outage never fails a job: it waits for the link (issue #6).
            (void)m_queue->release(job);
            m_metrics.link_up = false;
            if (!m_link_outage) {
                LOG4CPLUS_ERROR(log(), "link to the signer down: " << end.detail);
                m_link_outage = true;
            }
            m_link_failed_once = true;
            return;
        case JobEnd::Kind::verification: {
            const auto delay = m_config.run.retry * (1 << std::min(job.attempt - 1, 8));
            const auto state = m_queue->retry_later(job, "verification", end.detail, delay);
            if (state == JobState::failed) {
                ++m_failed;
                m_metrics.job(kind, "failed", seconds);
            }
            LOG4CPLUS_WARN(log(), "job " << job.id << ": " << end.detail << "; retrying later");
            return;
        }
    }
}

void Daemon::process(const Job& job) {
    const auto started = SteadyClock::now();
    JobEnd end;
    try {
        end = std::visit(
            [&](const auto& in) -> JobEnd {
                using T = std::decay_t<decltype(in)>;
                if constexpr (std::is_same_v<T, CertificateJob>) {
                    return process_certificate(job, in);
                } else if constexpr (std::is_same_v<T, RevocationJob>) {
                    return process_revocation(job, in);
                } else {
                    return process_openpgp(job, in);
                }
            },
            job.input);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::database) {
            throw;  // the caller reconnects and releases this worker's jobs
        }
        end.kind = JobEnd::Kind::verification;
        end.detail = std::string("internal: ") + e.what();
    } catch (const std::exception& e) {
        end.kind = JobEnd::Kind::verification;  // retried later, never a crash of the daemon
        end.detail = std::string("internal: ") + e.what();
    }
    const std::chrono::duration<double> took = SteadyClock::now() - started;
    if (end.ok()) {
        m_metrics.link_up = true;
        if (m_link_outage) {
            LOG4CPLUS_INFO(log(), "link to the signer up again");
        }
        m_link_outage = false;
    }
    settle(job, end, took.count());
}

void Daemon::progress(bool force) {
    const auto now = SteadyClock::now();
    if (!force && now - m_last_progress < std::chrono::seconds(1)) {
        return;
    }
    m_last_progress = now;
    const auto q = m_queue->summary();
    std::ostringstream line;
    line << "run: " << m_done << " done, " << m_failed << " failed, " << q.due << " due, "
         << q.waiting << " waiting for retry";
    if (line.str() != m_last_line) {  // a progress line when something changed, not per poll
        m_err << line.str() << '\n';
        m_last_line = line.str();
    }
    write_metrics(m_config.run.metrics_file, m_metrics, q);
}

int Daemon::run() {
    install_signal_handlers();
    const bool once = m_inv.once;
    const auto deadline = [&] { return SteadyClock::now() + m_config.link.handshake_timeout; };
    if (!connect_db(once ? deadline() : SteadyClock::time_point::max())) {
        m_err << "cassiopeia-client: run: the WebDB stayed unreachable\n";
        return g_stop != 0 ? exit_code::ok : exit_code::link;
    }
    // Issue #6: a job that was running when this worker died is resumed at once (with a
    // stable run.worker; otherwise its lease, run.lease_s, brings it back).
    if (const auto n = m_queue->release_worker(m_worker); n > 0) {
        LOG4CPLUS_INFO(log(), n << " job(s) of an earlier run of " << m_worker << " resumed");
    }
    auto next_status = SteadyClock::now();
    auto link_backoff = std::chrono::milliseconds(500);
    while (g_stop == 0) {
        if (g_reopen != 0) {
            g_reopen = 0;
            configure_logging(m_config.log_config);  // SIGHUP: reopen log files
        }
        try {
            if (SteadyClock::now() >= next_status) {
                JobEnd checked;
                try {
                    checked = check_signer();
                } catch (const Error& e) {
                    if (e.kind() == ErrorKind::database) {
                        throw;
                    }
                    checked = JobEnd{JobEnd::Kind::verification, std::nullopt, e.what()};
                } catch (const std::exception& e) {
                    checked = JobEnd{JobEnd::Kind::verification, std::nullopt, e.what()};
                }
                if (!checked.ok()) {
                    if (!m_link_outage) {
                        LOG4CPLUS_ERROR(
                            log(),
                            "signer check failed: " << (checked.refusal ? checked.refusal->message
                                                                        : checked.detail));
                        m_link_outage = true;  // logged once per outage
                    }
                    m_metrics.link_up = false;
                    progress(true);
                    if (once) {
                        m_err << "cassiopeia-client: run: the signer is unreachable or unusable\n";
                        return exit_code::link;
                    }
                    m_link.close_line();
                    std::this_thread::sleep_for(link_backoff);
                    link_backoff = std::min(link_backoff * 2, std::chrono::milliseconds(10000));
                    continue;
                }
                m_metrics.link_up = true;
                link_backoff = std::chrono::milliseconds(500);
                next_status = SteadyClock::now() + m_config.run.status;
            }
            auto job = m_queue->claim_next(m_worker);
            if (job) {
                process(*job);
                m_last_activity = SteadyClock::now();
                progress(false);
                if (m_link_failed_once) {
                    m_link_failed_once = false;
                    if (once) {
                        progress(true);
                        m_err
                            << "cassiopeia-client: run: the link stayed down; jobs left pending\n";
                        return exit_code::link;
                    }
                    next_status = SteadyClock::now();  // re-check the signer before going on
                    m_link.close_line();
                    std::this_thread::sleep_for(link_backoff);
                    link_backoff = std::min(link_backoff * 2, std::chrono::milliseconds(10000));
                }
                continue;
            }
            if (once) {
                break;  // nothing pending or due for retry
            }
            progress(true);
            // Idle: close the session (and free the line for another daemon) after idle_s.
            if (m_link.session_open() && SteadyClock::now() - m_last_activity >= m_config.idle) {
                LOG4CPLUS_INFO(log(), "queue idle: closing the link session");
                m_link.close_line();
            }
            // Wake on NOTIFY, or poll; short slices so that SIGTERM is seen promptly.
            const auto poll_until = SteadyClock::now() + m_config.run.poll;
            while (g_stop == 0 && SteadyClock::now() < poll_until) {
                if (m_db->wait_notification(std::chrono::milliseconds(500))) {
                    break;
                }
                if (m_link.session_open() &&
                    SteadyClock::now() - m_last_activity >= m_config.idle) {
                    break;
                }
            }
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::database) {
                throw;
            }
            LOG4CPLUS_ERROR(log(), "WebDB failed: " << e.what() << "; reconnecting");
            m_db_outage = true;
            if (!connect_db(once ? deadline() : SteadyClock::time_point::max())) {
                m_err << "cassiopeia-client: run: the WebDB stayed unreachable\n";
                return g_stop != 0 ? exit_code::ok : exit_code::link;
            }
            // Every job this worker holds goes back to pending at once, without counting an
            // attempt: the one in hand, and one whose claim committed while its reply was lost.
            // Their request ids bring back the signer's stored results. Safe: jobs run one at
            // a time here, and none is in progress now.
            if (const auto n = m_queue->release_worker(m_worker); n > 0) {
                LOG4CPLUS_INFO(log(), n << " job(s) released after the WebDB outage");
            }
        }
    }
    progress(true);
    m_link.close_line();
    return exit_code::ok;
}

}  // namespace

int run_daemon(const Invocation& inv, std::ostream& /*out*/, std::ostream& err) {
    Daemon d(inv, err);
    return d.run();
}

}  // namespace cassiopeia::client
