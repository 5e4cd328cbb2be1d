// The queue daemon's Prometheus text file.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "metrics.hpp"

#include "file_output.hpp"
#include "logging.hpp"

#include <librecord/errors.hpp>

#include <sstream>

namespace cassiopeia::client {

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.client.run");
    return l;
}

void queue_gauges(std::ostream& o, const QueueSummary& q) {
    o << "# HELP cassiopeia_queue_jobs Jobs in the WebDB queue by state.\n"
      << "# TYPE cassiopeia_queue_jobs gauge\n"
      << "cassiopeia_queue_jobs{state=\"due\"} " << q.due << '\n'
      << "cassiopeia_queue_jobs{state=\"waiting\"} " << q.waiting << '\n'
      << "cassiopeia_queue_jobs{state=\"running\"} " << q.running << '\n';
}

void job_counters(std::ostream& o, const Metrics& m) {
    o << "# HELP cassiopeia_jobs_total Jobs finished by this daemon.\n"
      << "# TYPE cassiopeia_jobs_total counter\n";
    for (const char* kind : {"certificate", "revocation", "openpgp"}) {
        for (const char* outcome : {"done", "failed"}) {
            const auto it = m.jobs.find({kind, outcome});
            o << "cassiopeia_jobs_total{kind=\"" << kind << "\",outcome=\"" << outcome << "\"} "
              << (it == m.jobs.end() ? 0 : it->second) << '\n';
        }
    }
}

void duration_histogram(std::ostream& o, const Metrics& m) {
    o << "# TYPE cassiopeia_job_duration_seconds histogram\n";
    for (size_t i = 0; i < Metrics::bounds.size(); ++i) {
        o << "cassiopeia_job_duration_seconds_bucket{le=\"" << Metrics::bounds.at(i) << "\"} "
          << m.buckets.at(i) << '\n';
    }
    o << "cassiopeia_job_duration_seconds_bucket{le=\"+Inf\"} " << m.count << '\n'
      << "cassiopeia_job_duration_seconds_sum " << m.sum << '\n'
      << "cassiopeia_job_duration_seconds_count " << m.count << '\n';
}

void link_counters(std::ostream& o, const librecord::LinkStats& s) {
    o << "# HELP cassiopeia_link_frames_dropped_total Link frames dropped (bad CRC or framing).\n"
      << "# TYPE cassiopeia_link_frames_dropped_total counter\n"
      << "cassiopeia_link_frames_dropped_total " << s.frames_dropped << '\n'
      << "# HELP cassiopeia_link_resets_total RESETs received from the signer in a session.\n"
      << "# TYPE cassiopeia_link_resets_total counter\n"
      << "cassiopeia_link_resets_total " << s.resets << '\n'
      << "# HELP cassiopeia_link_sessions_total TLS sessions established with the signer.\n"
      << "# TYPE cassiopeia_link_sessions_total counter\n"
      << "cassiopeia_link_sessions_total " << s.sessions << '\n'
      << "# HELP cassiopeia_link_session_failures_total Link sessions that failed (not closed).\n"
      << "# TYPE cassiopeia_link_session_failures_total counter\n"
      << "cassiopeia_link_session_failures_total " << s.failures << '\n';
}

/** Label values are names and hex here; anything else is dropped rather than escaped. */
std::string label_value(const std::string& s) {
    std::string out;
    for (const char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == ' ') {
            out.push_back(c);
        }
    }
    return out;
}

/** `store="...",token="...",serial="..."} 0|1` of one key. */
void key_series(std::ostream& o, const KeyStatus& k) {
    o << "store=\"" << (k.in_token ? "token" : "file") << "\",token=\"" << label_value(k.token)
      << "\",serial=\"" << label_value(k.serial) << "\"} " << (k.usable ? 1 : 0) << '\n';
}

void signer_keys(std::ostream& o, const Metrics& m) {
    o << "# HELP cassiopeia_signer_key_up A signer key can sign: 1; its token is absent or not "
         "logged in: 0 (a key file: 1). key is a CA name or \"link\".\n"
      << "# TYPE cassiopeia_signer_key_up gauge\n";
    for (const auto& [ca, k] : m.signer_keys) {
        o << "cassiopeia_signer_key_up{key=\"" << label_value(ca) << "\",";
        key_series(o, k);
    }
    if (m.signer_link_key) {
        o << "cassiopeia_signer_key_up{key=\"link\",";
        key_series(o, *m.signer_link_key);
    }
}

}  // namespace

void Metrics::job(std::string_view kind, std::string_view outcome, double seconds) {
    ++jobs[{std::string(kind), std::string(outcome)}];
    for (size_t i = 0; i < bounds.size(); ++i) {
        if (seconds <= bounds.at(i)) {
            ++buckets.at(i);
        }
    }
    ++count;
    sum += seconds;
}

std::string metrics_text(const Metrics& m, const QueueSummary& q) {
    std::ostringstream o;
    queue_gauges(o, q);
    job_counters(o, m);
    o << "# TYPE cassiopeia_last_success_timestamp_seconds gauge\n"
      << "cassiopeia_last_success_timestamp_seconds " << m.last_success.value_or(0) << '\n'
      << "# TYPE cassiopeia_link_up gauge\n"
      << "cassiopeia_link_up " << (m.link_up ? 1 : 0) << '\n';
    link_counters(o, m.link);
    duration_histogram(o, m);
    o << "# HELP cassiopeia_signer_audit_rewrites Signer audit heads that did not extend the "
         "stored one.\n"
      << "# TYPE cassiopeia_signer_audit_rewrites gauge\n"
      << "cassiopeia_signer_audit_rewrites " << m.audit_rewrites << '\n';
    if (m.signer_clock_skew) {
        o << "# HELP cassiopeia_signer_clock_skew_seconds The signer's clock minus ours at the "
             "last signer check; beyond run.max_skew_s no job is sent.\n"
          << "# TYPE cassiopeia_signer_clock_skew_seconds gauge\n"
          << "cassiopeia_signer_clock_skew_seconds " << *m.signer_clock_skew << '\n';
    }
    signer_keys(o, m);
    o << "# TYPE cassiopeia_crl_next_update_timestamp_seconds gauge\n";
    for (const auto& [ca, t] : m.crl_next_update) {
        o << "cassiopeia_crl_next_update_timestamp_seconds{ca=\"" << ca << "\"} " << t << '\n';
    }
    if (!m.ocsp_not_after.empty()) {
        o << "# HELP cassiopeia_ocsp_responder_not_after_seconds notAfter of the newest OCSP "
             "responder certificate of each time CA of ocsp.responder (absent: none yet).\n"
          << "# TYPE cassiopeia_ocsp_responder_not_after_seconds gauge\n";
        for (const auto& [ca, t] : m.ocsp_not_after) {
            o << "cassiopeia_ocsp_responder_not_after_seconds{ca=\"" << ca << "\"} " << t << '\n';
        }
    }
    return o.str();
}

void write_metrics(const std::string& path, const Metrics& m, const QueueSummary& q) {
    if (path.empty()) {
        return;
    }
    const auto text = metrics_text(m, q);
    try {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): text as bytes
        write_file_atomically(path, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
    } catch (const Error& e) {
        LOG4CPLUS_WARN(log(), "cannot write the metrics file: " << e.what());
    }
}

}  // namespace cassiopeia::client
