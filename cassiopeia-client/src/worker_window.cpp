// The queue daemon's window: certificate jobs pipelined on the link (docs/protocol.md §5.1),
// claimed and written back in batches, one WebDB commit for several jobs.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "job_runner.hpp"
#include "logging.hpp"
#include "worker.hpp"

#include <cassiopeia/common/test_point.hpp>

#include <algorithm>

namespace cassiopeia::client {

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.client.run");
    return l;
}

}  // namespace

/** One certificate job in the window: its lease, its request, and its checked result. */
struct Worker::Slot {
    Slot(Job j, LeaseKeeper::Hold h) : job(std::move(j)), lease(std::move(h)) {}

    Job job;
    LeaseKeeper::Hold lease;
    SignInput in;
    PipelinedRequest request;
    SignOutput output;
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    [[nodiscard]] double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    }
};

void Worker::release_claimed() {
    while (!m_claimed.empty()) {
        (void)m_queue->release(m_claimed.front().first);
        m_claimed.pop_front();
    }
}

Worker::Slot* Worker::next_slot(std::list<Slot>& slots) {
    while (!m_signals.stop_requested()) {
        if (m_claimed.empty()) {
            for (auto& job : m_queue->claim_batch(m_worker, m_config.run.window)) {
                auto lease = m_leases.keep(job);
                m_claimed.emplace_back(std::move(job), std::move(lease));
            }
        }
        // A revocation or an OpenPGP job waits for the window to drain, then runs alone; so
        // does the signer check when it is due (pass()).
        if (m_claimed.empty() || m_claimed.front().first.kind != JobKind::certificate ||
            SteadyClock::now() >= m_next_status) {
            return nullptr;
        }
        auto& slot = slots.emplace_back(std::move(m_claimed.front().first),
                                        std::move(m_claimed.front().second));
        m_claimed.pop_front();
        auto bad = certificate_input(slot.job, std::get<CertificateJob>(slot.job.input), slot.in);
        if (!bad) {
            slot.request.steps = sign_steps(slot.in);
            bad = steps_over_limits(slot.request.steps);
        }
        if (!bad) {
            return &slot;
        }
        settle_slot(slots, slot, *bad);
    }
    return nullptr;
}

void Worker::settle_slot(std::list<Slot>& slots, Slot& slot, const JobEnd& end) {
    settle(slot.job, end, slot.seconds());
    slots.remove_if([&](const Slot& s) { return &s == &slot; });
}

void Worker::window_done(std::list<Slot>& slots, std::vector<Slot*>& issued, PipelinedRequest& r) {
    const auto slot =
        std::find_if(slots.begin(), slots.end(), [&](const Slot& s) { return &s.request == &r; });
    slot->output = certificate_outcome(m_config, slot->in, *r.outcome, r.log);
    if (!slot->output.end.ok()) {
        settle_slot(slots, *slot, slot->output.end);
        return;
    }
    issued.push_back(&*slot);
    if (issued.size() >= m_config.run.window) {
        write_issued(slots, issued);
    }
    m_last_activity = SteadyClock::now();
    progress(false);
}

void Worker::write_one(Slot& slot) {
    // Alone, as process() writes it: a result the WebDB refuses fails its job only.
    try {
        if (!m_queue->complete_certificates({issued_certificate(slot.job, slot.output)}).front()) {
            taken_over(slot.job);
            return;
        }
        settle(slot.job, slot.output.end, slot.seconds());
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::database || pq::is_connection_error(e)) {
            throw;
        }
        job_refused_by_db(slot.job, e, slot.seconds());
    }
}

void Worker::write_issued(std::list<Slot>& slots, std::vector<Slot*>& issued) {
    if (issued.empty()) {
        return;
    }
    std::vector<JobQueue::IssuedCertificate> batch;
    for (const auto* s : issued) {
        batch.push_back(issued_certificate(s->job, s->output));
    }
    std::vector<bool> written;
    try {
        written = m_queue->complete_certificates(batch);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::database || pq::is_connection_error(e)) {
            throw;
        }
        written.clear();  // one result the WebDB refuses: each is written alone instead
    }
    for (size_t i = 0; i < issued.size(); ++i) {
        auto& slot = *issued[i];
        if (written.empty()) {
            write_one(slot);
        } else if (written[i]) {
            settle(slot.job, slot.output.end, slot.seconds());
        } else {
            taken_over(slot.job);
        }
        common::test_point("job_committed");
        slots.remove_if([&](const Slot& s) { return &s == &slot; });
    }
    issued.clear();
}

std::optional<int> Worker::work_window(Job first) {
    std::list<Slot> slots;
    std::vector<Slot*> issued;
    {
        auto lease = m_leases.keep(first);
        m_claimed.emplace_front(std::move(first), std::move(lease));
    }
    Pipeline pipeline{m_link, m_config.run.window};
    try {
        const auto ec = pipeline.run(
            [&]() -> PipelinedRequest* {
                auto* slot = next_slot(slots);
                return slot != nullptr ? &slot->request : nullptr;
            },
            [&](PipelinedRequest& r) { window_done(slots, issued, r); });
        write_issued(slots, issued);
        if (!ec) {
            if (m_link_outage) {
                LOG4CPLUS_INFO(log(), "link to the signer up again");
            }
            m_link_outage = false;
            m_metrics.link_up = true;
        }
    } catch (...) {
        // The signer may hold results this window no longer waits for: a new session clears
        // them (docs/protocol.md §5.1). The jobs go back to pending with this worker's.
        m_link.close();
        throw;
    }
    return after_work();
}

}  // namespace cassiopeia::client
