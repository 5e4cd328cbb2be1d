// The lease keeper: renews the lease of the job in hand from its own thread and its own WebDB
// connection while the job runs (docs/protocol.md §8.7).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "pq/pq.hpp"
#include "webdb/job_queue.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>

namespace cassiopeia::client {

/**
 * A job may run far longer than its lease (`run.lease_s`): a revocation that falls back to a
 * multi-MiB CRL at 115,200 baud. While a Hold lives, the keeper renews the held job's
 * heartbeat every lease/3 (JobQueue::heartbeat), so no other daemon takes the job over. It
 * works on a connection of its own, because the worker's connection is busy with the job.
 * Failures are logged, never thrown: a lease that cannot be renewed only expires.
 */
class LeaseKeeper final {
public:
    /** Starts the keeper's thread; it connects with `conninfo` at its first renewal. */
    LeaseKeeper(std::string conninfo, QueueOptions options);
    /** Stops the thread and waits for it (at most the renewal in progress). */
    ~LeaseKeeper();
    LeaseKeeper(const LeaseKeeper&) = delete;
    LeaseKeeper& operator=(const LeaseKeeper&) = delete;
    LeaseKeeper(LeaseKeeper&&) = delete;
    LeaseKeeper& operator=(LeaseKeeper&&) = delete;

    /** Renewal of one job's lease; it stops when the Hold is destroyed (the job ended). */
    class Hold final {
    public:
        Hold(LeaseKeeper& keeper, uint64_t token) noexcept : m_keeper(&keeper), m_token(token) {}

        ~Hold() {
            if (m_keeper != nullptr) {
                m_keeper->drop(m_token);
            }
        }

        Hold(Hold&& other) noexcept
            : m_keeper(std::exchange(other.m_keeper, nullptr)), m_token(other.m_token) {}

        Hold(const Hold&) = delete;
        Hold& operator=(const Hold&) = delete;
        Hold& operator=(Hold&&) = delete;

    private:
        LeaseKeeper* m_keeper;
        uint64_t m_token;
    };

    /**
     * Renews `job`'s lease every lease/3 from now on, until the Hold ends. Several jobs may be
     * held at once (the window of a pipelining worker, docs/protocol.md §5.1).
     */
    [[nodiscard]] Hold keep(const Job& job);

    /** Renewals that found the lease still held, since the start (tests and logs). */
    [[nodiscard]] uint64_t renewals() const;

private:
    void drop(uint64_t token) noexcept;
    void loop() noexcept;
    /** One heartbeat on the keeper's connection: true when renewed, false when the lease is
     *  no longer held, nullopt when the WebDB failed (logged). */
    [[nodiscard]] std::optional<bool> renew(const Job& job) noexcept;
    /** JobQueue::heartbeat on the keeper's connection, (re)connecting first; throws. */
    [[nodiscard]] bool heartbeat(const Job& job);
    /** Logs a failed renewal once, and drops a broken connection. */
    void failed(const Job& job, const std::exception& e) noexcept;

    const std::string m_conninfo;
    const QueueOptions m_options;
    const std::chrono::milliseconds m_interval;
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    std::map<uint64_t, Job> m_jobs;  ///< the jobs in hand by token: id, worker and attempt
    uint64_t m_next_token = 0;
    uint64_t m_renewals = 0;
    bool m_stop = false;
    bool m_failing = false;                ///< logged once until a renewal works again
    std::unique_ptr<pq::Connection> m_db;  ///< used by the keeper's thread only
    std::thread m_thread;                  ///< last: starts once the members above exist
};

}  // namespace cassiopeia::client
