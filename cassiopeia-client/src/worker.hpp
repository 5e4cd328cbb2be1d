// The queue daemon's worker: one WebDB connection, the queue and one long-lived link session,
// worked until a stop signal (or, with --once, until nothing is pending or due).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "backoff.hpp"
#include "config.hpp"
#include "connection.hpp"
#include "daemon_signals.hpp"
#include "lease_keeper.hpp"
#include "metrics.hpp"
#include "operations.hpp"
#include "pipeline.hpp"
#include "pq/pq.hpp"
#include "webdb/job_queue.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cassiopeia::client {

class Worker final {
public:
    Worker(const Invocation& inv, DaemonSignals& signals, std::ostream& err);

    /** Works the queue; returns the exit status of docs/conventions.md §1. */
    [[nodiscard]] int run();

private:
    using SteadyClock = std::chrono::steady_clock;

    /** One pass of the loop; an exit status ends the run. */
    [[nodiscard]] std::optional<int> pass();
    [[nodiscard]] int finish();

    [[nodiscard]] SteadyClock::time_point db_deadline() const;
    [[nodiscard]] bool connect_db(SteadyClock::time_point give_up);
    [[nodiscard]] bool recover_db(const Error& failure);
    [[nodiscard]] int db_unreachable();
    [[nodiscard]] std::optional<int> db_refused(const Error& failure);
    void release_own_jobs(const std::string& why);

    [[nodiscard]] bool signer_usable();
    [[nodiscard]] JobEnd guarded_signer_check();
    [[nodiscard]] std::optional<int> after_unusable_signer();

    [[nodiscard]] std::optional<int> work(const Job& job);
    [[nodiscard]] std::optional<int> after_work();
    [[nodiscard]] std::optional<Job> next_job();

    // The window of pipelined certificate jobs (worker_window.cpp, docs/protocol.md §5.1).
    struct Slot;
    [[nodiscard]] std::optional<int> work_window(Job first);
    [[nodiscard]] Slot* next_slot(std::list<Slot>& slots);
    void window_done(std::list<Slot>& slots, std::vector<Slot*>& issued, PipelinedRequest& r);
    void write_issued(std::list<Slot>& slots, std::vector<Slot*>& issued);
    void write_one(Slot& slot);
    void settle_slot(std::list<Slot>& slots, Slot& slot, const JobEnd& end);
    void release_claimed();
    void process(const Job& job);
    void settle(const Job& job, const JobEnd& end, double seconds);
    void job_refused_by_db(const Job& job, const Error& failure, double seconds);
    [[nodiscard]] std::chrono::seconds retry_delay(const Job& job) const;
    void count_failed(std::string_view kind, double seconds);
    void link_down(const Job& job, const JobEnd& end);
    void back_off_link();

    void renew_ocsp();
    void idle();
    void wait_for_work();
    [[nodiscard]] bool session_idle() const;
    void progress(bool force);

    const Invocation& m_inv;
    const ClientConfig& m_config;
    DaemonSignals& m_signals;
    std::ostream& m_err;
    Connection m_link;
    std::string m_worker;
    std::string m_paused;  ///< why the last signer check failed; empty once one passes
    std::unique_ptr<pq::Connection> m_db;
    std::unique_ptr<JobQueue> m_queue;
    LeaseKeeper m_leases;  ///< renews the lease of the job in hand (docs/protocol.md §8.7)
    /// Jobs claimed in a batch and not yet started, with their leases, in queue order.
    std::deque<std::pair<Job, LeaseKeeper::Hold>> m_claimed;
    Backoff m_db_backoff;  ///< after a database error that is not an outage, outside a job
    Metrics m_metrics;
    Backoff m_link_backoff;
    librecord::LinkStats m_backoff_stats;  ///< the link's counters at the last back-off
    uint64_t m_done = 0;
    uint64_t m_failed = 0;
    bool m_link_outage = false;
    bool m_db_outage = false;
    bool m_link_failed_once = false;  ///< --once: the link stayed down past its deadline
    SteadyClock::time_point m_next_status = SteadyClock::now();
    SteadyClock::time_point m_next_ocsp = SteadyClock::now();  ///< the next renew_ocsp()
    SteadyClock::time_point m_last_progress{};
    std::string m_last_line;
    SteadyClock::time_point m_last_activity = SteadyClock::now();
};

}  // namespace cassiopeia::client
