// The lease keeper of the queue daemon.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "lease_keeper.hpp"

#include "logging.hpp"

#include <librecord/errors.hpp>

#include <algorithm>
#include <exception>

namespace cassiopeia::client {

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.client.lease");
    return l;
}

/** lease/3: two renewals may be lost before the lease expires. */
std::chrono::milliseconds renewal_interval(std::chrono::seconds lease) {
    return std::max(std::chrono::milliseconds{100},
                    std::chrono::duration_cast<std::chrono::milliseconds>(lease) / 3);
}

}  // namespace

LeaseKeeper::LeaseKeeper(std::string conninfo, QueueOptions options)
    : m_conninfo(std::move(conninfo)),
      m_options(options),
      m_interval(renewal_interval(options.lease)),
      m_thread([this] { loop(); }) {}

LeaseKeeper::~LeaseKeeper() {
    {
        const std::lock_guard lock{m_mutex};
        m_stop = true;
    }
    m_wake.notify_all();
    m_thread.join();
}

LeaseKeeper::Hold LeaseKeeper::keep(const Job& job) {
    Job held;  // its identity only: the lease check needs id, worker and attempt
    held.id = job.id;
    held.kind = job.kind;
    held.attempt = job.attempt;
    held.worker = job.worker;
    uint64_t token = 0;
    {
        const std::lock_guard lock{m_mutex};
        token = ++m_next_token;
        m_jobs.emplace(token, std::move(held));
    }
    m_wake.notify_all();
    return Hold{*this, token};
}

void LeaseKeeper::drop(uint64_t token) noexcept {
    {
        const std::lock_guard lock{m_mutex};
        m_jobs.erase(token);
    }
    m_wake.notify_all();
}

uint64_t LeaseKeeper::renewals() const {
    const std::lock_guard lock{m_mutex};
    return m_renewals;
}

void LeaseKeeper::loop() noexcept {
    std::unique_lock lock{m_mutex};
    auto due = std::chrono::steady_clock::now() + m_interval;
    while (!m_stop) {
        if (m_jobs.empty()) {
            m_wake.wait(lock, [this] { return m_stop || !m_jobs.empty(); });
            due = std::chrono::steady_clock::now() + m_interval;  // a fresh claim: lease new
            continue;
        }
        if (m_wake.wait_until(lock, due, [&] { return m_stop || m_jobs.empty(); })) {
            continue;  // stopped, or nothing left in hand
        }
        due = std::chrono::steady_clock::now() + m_interval;
        const auto jobs = m_jobs;  // renewed without the lock: keep() and drop() go on
        lock.unlock();
        std::vector<std::pair<uint64_t, bool>> renewed;
        for (const auto& [token, job] : jobs) {
            if (const auto held = renew(job)) {
                renewed.emplace_back(token, *held);
            }
        }
        lock.lock();
        for (const auto& [token, held] : renewed) {
            if (held) {
                ++m_renewals;
            } else {
                m_jobs.erase(token);  // finished, or taken over: nothing left to renew
            }
        }
    }
}

std::optional<bool> LeaseKeeper::renew(const Job& job) noexcept {
    try {
        const bool held = heartbeat(job);
        if (m_failing) {
            LOG4CPLUS_INFO(log(), "lease renewal works again (job " << job.id << ")");
            m_failing = false;
        }
        if (!held) {
            // Normal when the job ended a moment ago; otherwise another worker took it over.
            LOG4CPLUS_DEBUG(log(), "job " << job.id << ": lease no longer held by " << job.worker);
        }
        return held;
    } catch (const std::exception& e) {
        failed(job, e);
        return std::nullopt;  // tried again at the next interval: the lease may still be ours
    }
}

bool LeaseKeeper::heartbeat(const Job& job) {
    if (!m_db || !m_db->ok()) {
        m_db.reset();
        m_db = std::make_unique<pq::Connection>(pq::Connection::open(m_conninfo));
    }
    JobQueue queue{*m_db, m_options};
    return queue.heartbeat(job);
}

void LeaseKeeper::failed(const Job& job, const std::exception& e) noexcept {
    if (!m_failing) {
        LOG4CPLUS_WARN(log(), "job " << job.id << ": lease not renewed: " << e.what());
        m_failing = true;  // logged once per failure
    }
    if (m_db && !m_db->ok()) {
        m_db.reset();  // reconnected at the next renewal
    }
}

}  // namespace cassiopeia::client
