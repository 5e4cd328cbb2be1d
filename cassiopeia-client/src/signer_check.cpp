// The queue daemon's periodic signer check.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "signer_check.hpp"

#include "crl/crl.hpp"
#include "logging.hpp"

#include <librecord/utc.hpp>

namespace cassiopeia::client {

namespace lr = librecord;

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.client.run");
    return l;
}

JobEnd check_failed(std::string detail) {
    return JobEnd{JobEnd::Kind::verification, std::nullopt, std::move(detail)};
}

std::string text_of(const std::vector<uint8_t>& bytes) {
    return {bytes.begin(), bytes.end()};
}

/** Fetches the full CRL of `ca`, verifies it and stores it in the CRL folder and the WebDB. */
void refresh_crl(Connection& link,
                 JobQueue& queue,
                 const ClientConfig& config,
                 const std::string& ca) {
    auto crl = fetch_full_crl(link, config, ca);
    if (!crl.end.ok()) {
        LOG4CPLUS_WARN(log(), "CRL of " << ca << " not refreshed: " << crl.end.detail);
        return;
    }
    (void)queue.store_crl(ca,
                          crl.der,
                          static_cast<uint64_t>(crl.crl_number),
                          crl::crl_this_update(crl.der).value_or(""),
                          crl::crl_next_update(crl.der).value_or(""));
}

}  // namespace

std::optional<std::string> clock_fault(std::string_view signer_time,
                                       std::chrono::sys_seconds local,
                                       std::chrono::seconds max_skew) {
    const auto signer = lr::parse_utc(signer_time);
    if (!signer) {
        return "unreadable time from the signer";
    }
    const auto skew = std::chrono::abs(*signer - local);
    if (skew > max_skew) {
        return "the signer's clock is " + std::to_string(skew.count()) +
               " s off ours (run.max_skew_s " + std::to_string(max_skew.count()) + ")";
    }
    return std::nullopt;
}

std::optional<std::string> key_fault(const StatusReport& report) {
    for (const auto& ca : report.cas) {
        if (ca.key && !ca.key->usable) {
            return "the signer's key of " + ca.name + " in token '" + ca.key->token +
                   "' cannot sign now (token absent or not logged in)";
        }
    }
    return std::nullopt;
}

std::vector<std::string> crls_to_refresh(const StatusReport& report,
                                         const std::map<std::string, uint64_t>& known,
                                         std::chrono::sys_seconds horizon) {
    std::vector<std::string> names;
    for (const auto& ca : report.cas) {
        const auto have = known.find(ca.name);
        const bool stale = ca.next_update && *ca.next_update <= horizon;
        if (have == known.end() || have->second < ca.crl_number || stale) {
            names.push_back(ca.name);
        }
    }
    return names;
}

std::optional<AnchorVerdict> anchor_audit_head(pq::Connection& db,
                                               const StatusReport& report,
                                               std::string_view source,
                                               Metrics& metrics) {
    if (!report.audit) {
        LOG4CPLUS_WARN(log(), "the signer's status report carries no audit head to anchor");
        return std::nullopt;
    }
    const auto verdict = record_audit_head(db, *report.audit, source);
    metrics.audit_rewrites = verdict.rewrites;
    if (!verdict.extends) {
        LOG4CPLUS_WARN(log(),
                       "the signer's audit head (seq "
                           << report.audit->seq << ", " << report.audit->hash
                           << ") does not extend the one stored (seq " << verdict.anchor->seq
                           << ", " << verdict.anchor->hash << "): its history was rewritten");
    }
    return verdict;
}

JobEnd check_signer(Connection& link,
                    pq::Connection& db,
                    JobQueue& queue,
                    const ClientConfig& config,
                    Metrics& metrics) {
    const auto time = link.request({{lr::Command::get_timestamp, {}}}, 1);
    if (auto failed = job_end(time); !failed.ok()) {
        return failed;
    }
    const auto local = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    if (const auto signer = lr::parse_utc(text_of(time->front().payload))) {
        metrics.signer_clock_skew = (*signer - local).count();
    }
    if (auto fault = clock_fault(text_of(time->front().payload), local, config.run.max_skew)) {
        return check_failed(std::move(*fault));
    }
    const auto status = link.request({{lr::Command::get_status_report, {}}}, 1);
    if (auto failed = job_end(status); !failed.ok()) {
        return failed;
    }
    const auto parsed = parse_status_report(status->front().payload);
    if (!parsed.report) {
        return check_failed("unreadable status report: " + parsed.error);
    }
    (void)anchor_audit_head(db, *parsed.report, "run", metrics);
    for (const auto& ca : parsed.report->cas) {
        if (ca.next_update) {
            metrics.crl_next_update[ca.name] = ca.next_update->time_since_epoch().count();
        }
        if (ca.key) {
            metrics.signer_keys[ca.name] = *ca.key;
        }
    }
    metrics.signer_link_key = parsed.report->link_key;
    if (auto fault = key_fault(*parsed.report)) {
        return check_failed(std::move(*fault));
    }
    const auto known = queue.crl_numbers();
    for (const auto& ca : crls_to_refresh(*parsed.report, known, local + crl_refresh_horizon)) {
        refresh_crl(link, queue, config, ca);
    }
    return {};
}

}  // namespace cassiopeia::client
