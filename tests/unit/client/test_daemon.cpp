// Tests of the queue daemon's parts that need no link or WebDB: the back-off, the signals,
// the metrics text, the status report parser and the signer check's decisions.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "backoff.hpp"
#include "connection.hpp"
#include "daemon_signals.hpp"
#include "metrics.hpp"
#include "signer_check.hpp"
#include "status_report.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <librecord/utc.hpp>

#include <boost/test/unit_test.hpp>

#include <csignal>
#include <string>
#include <thread>
#include <vector>

namespace cc = cassiopeia::client;
using namespace std::chrono_literals;

namespace {

std::span<const uint8_t> bytes(std::string_view s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};  // NOLINT(*-reinterpret-cast)
}

cc::ParsedStatusReport parse(std::string_view json) {
    return cc::parse_status_report(bytes(json));
}

std::chrono::sys_seconds utc(const char* text) {
    return librecord::parse_utc(text).value();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(client_backoff)

BOOST_AUTO_TEST_CASE(doubles_from_half_a_second_up_to_ten_seconds) {
    cc::Backoff b;
    for (const auto expected : {500ms, 1000ms, 2000ms, 4000ms, 8000ms, 10000ms, 10000ms}) {
        BOOST_TEST(b.peek().count() == expected.count());
        BOOST_TEST(b.next().count() == expected.count());
    }
    b.reset();
    BOOST_TEST(b.next().count() == 500);
}

BOOST_AUTO_TEST_CASE(takes_other_bounds) {
    cc::Backoff b(100ms, 300ms);
    BOOST_TEST(b.next().count() == 100);
    BOOST_TEST(b.next().count() == 200);
    BOOST_TEST(b.next().count() == 300);
    BOOST_TEST(b.next().count() == 300);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_daemon_signals)

BOOST_AUTO_TEST_CASE(sighup_asks_once_for_a_log_reopen) {
    cc::DaemonSignals signals;
    BOOST_TEST(!signals.take_reopen_request());
    BOOST_REQUIRE(std::raise(SIGHUP) == 0);
    BOOST_TEST(signals.take_reopen_request());
    BOOST_TEST(!signals.take_reopen_request());
    BOOST_TEST(!signals.stop_requested());
}

BOOST_AUTO_TEST_CASE(sigterm_and_sigint_ask_to_stop_for_good) {
    for (const int sig : {SIGTERM, SIGINT}) {
        cc::DaemonSignals signals;
        BOOST_TEST(!signals.stop_requested());
        BOOST_REQUIRE(std::raise(sig) == 0);
        BOOST_TEST(signals.stop_requested());
        BOOST_TEST(signals.stop_requested());
        const auto start = std::chrono::steady_clock::now();
        signals.sleep_for(10s);  // returns at once after a stop
        BOOST_TEST((std::chrono::steady_clock::now() - start < 1s));
    }
}

BOOST_AUTO_TEST_CASE(a_stop_cuts_a_sleep_short) {
    cc::DaemonSignals signals;
    std::thread raiser([] {
        std::this_thread::sleep_for(100ms);
        (void)std::raise(SIGTERM);
    });
    const auto start = std::chrono::steady_clock::now();
    signals.sleep_for(20s);
    const auto took = std::chrono::steady_clock::now() - start;
    raiser.join();
    BOOST_TEST(signals.stop_requested());
    BOOST_TEST((took < 5s));
}

BOOST_AUTO_TEST_CASE(a_sleep_without_signals_lasts) {
    cc::DaemonSignals signals;
    const auto start = std::chrono::steady_clock::now();
    signals.sleep_for(50ms);
    BOOST_TEST((std::chrono::steady_clock::now() - start >= 50ms));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_metrics)

BOOST_AUTO_TEST_CASE(writes_every_series_with_zero_counters) {
    cc::Metrics m;
    const auto text = cc::metrics_text(m, cc::QueueSummary{3, 2, 1, std::nullopt});
    BOOST_TEST(text.find("cassiopeia_queue_jobs{state=\"due\"} 3\n") != std::string::npos);
    BOOST_TEST(text.find("cassiopeia_queue_jobs{state=\"waiting\"} 2\n") != std::string::npos);
    BOOST_TEST(text.find("cassiopeia_queue_jobs{state=\"running\"} 1\n") != std::string::npos);
    BOOST_TEST(text.find("cassiopeia_jobs_total{kind=\"openpgp\",outcome=\"failed\"} 0\n") !=
               std::string::npos);
    BOOST_TEST(text.find("cassiopeia_link_up 0\n") != std::string::npos);
    BOOST_TEST(text.find("cassiopeia_last_success_timestamp_seconds 0\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(shows_the_signer_audit_rewrites) {
    cc::Metrics m;
    BOOST_TEST(cc::metrics_text(m, {}).find("cassiopeia_signer_audit_rewrites 0\n") !=
               std::string::npos);
    m.audit_rewrites = 2;
    BOOST_TEST(cc::metrics_text(m, {}).find("cassiopeia_signer_audit_rewrites 2\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(shows_whether_each_signer_key_can_sign) {
    cc::Metrics m;
    m.signer_keys["server_2026_1"] = cc::KeyStatus{};
    m.signer_keys["client_2026_1"] = cc::KeyStatus{true, false, "CA \"token\"\n", "0a1b"};
    const auto text = cc::metrics_text(m, {});
    BOOST_TEST(text.find("cassiopeia_signer_key_up{key=\"server_2026_1\",store=\"file\",token=\"\","
                         "serial=\"\"} 1\n") != std::string::npos);
    BOOST_TEST(text.find("cassiopeia_signer_key_up{key=\"client_2026_1\",store=\"token\","
                         "token=\"CA token\",serial=\"0a1b\"} 0\n") != std::string::npos);
    BOOST_TEST(text.find("key=\"link\"") == std::string::npos);
    m.signer_link_key = cc::KeyStatus{true, true, "link", "07"};
    BOOST_TEST(cc::metrics_text(m, {}).find("cassiopeia_signer_key_up{key=\"link\",store=\"token\","
                                            "token=\"link\",serial=\"07\"} 1\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(shows_the_link_counters) {
    cc::Metrics m;
    m.link.frames_dropped = 7;
    m.link.resets = 2;
    m.link.sessions = 5;
    m.link.failures = 3;
    const auto text = cc::metrics_text(m, {});
    for (const char* line : {"cassiopeia_link_frames_dropped_total 7\n",
                             "cassiopeia_link_resets_total 2\n",
                             "cassiopeia_link_sessions_total 5\n",
                             "cassiopeia_link_session_failures_total 3\n"}) {
        BOOST_TEST(text.find(line) != std::string::npos, line);
    }
}

BOOST_AUTO_TEST_CASE(the_back_off_starts_over_after_a_session_or_a_reset) {
    librecord::LinkStats before;
    before.sessions = 4;
    before.resets = 1;
    auto after = before;
    after.frames_dropped = 9;  // noise alone: the line may be down, keep backing off
    after.failures = 2;
    BOOST_TEST(!cc::link_progressed(before, after));
    after.sessions = 5;
    BOOST_TEST(cc::link_progressed(before, after));
    after = before;
    after.resets = 2;  // a signer that answers
    BOOST_TEST(cc::link_progressed(before, after));
}

BOOST_AUTO_TEST_CASE(shows_the_signer_clock_skew_once_read) {
    cc::Metrics m;
    BOOST_TEST(cc::metrics_text(m, {}).find("cassiopeia_signer_clock_skew_seconds") ==
               std::string::npos);
    m.signer_clock_skew = -3600;
    BOOST_TEST(cc::metrics_text(m, {}).find("cassiopeia_signer_clock_skew_seconds -3600\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(counts_jobs_into_cumulative_buckets) {
    cc::Metrics m;
    m.job("certificate", "done", 0.3);
    m.job("certificate", "failed", 12);
    m.link_up = true;
    m.crl_next_update["root"] = 42;
    const auto text = cc::metrics_text(m, {});
    BOOST_TEST(text.find("cassiopeia_jobs_total{kind=\"certificate\",outcome=\"done\"} 1\n") !=
               std::string::npos);
    BOOST_TEST(text.find("cassiopeia_job_duration_seconds_bucket{le=\"0.25\"} 0\n") !=
               std::string::npos);
    BOOST_TEST(text.find("cassiopeia_job_duration_seconds_bucket{le=\"0.5\"} 1\n") !=
               std::string::npos);
    BOOST_TEST(text.find("cassiopeia_job_duration_seconds_bucket{le=\"30\"} 2\n") !=
               std::string::npos);
    BOOST_TEST(text.find("cassiopeia_job_duration_seconds_bucket{le=\"+Inf\"} 2\n") !=
               std::string::npos);
    BOOST_TEST(text.find("cassiopeia_job_duration_seconds_count 2\n") != std::string::npos);
    BOOST_TEST(text.find("cassiopeia_link_up 1\n") != std::string::npos);
    BOOST_TEST(text.find("cassiopeia_crl_next_update_timestamp_seconds{ca=\"root\"} 42\n") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(shows_ocsp_responder_expiry_only_once_known) {
    cc::Metrics m;
    BOOST_TEST(cc::metrics_text(m, {}).find("cassiopeia_ocsp_responder_not_after_seconds") ==
               std::string::npos);
    m.ocsp_not_after["server_2027_1"] = 1'800'000'000;
    BOOST_TEST(
        cc::metrics_text(m, {}).find(
            "cassiopeia_ocsp_responder_not_after_seconds{ca=\"server_2027_1\"} 1800000000\n") !=
        std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_status_report)

BOOST_AUTO_TEST_CASE(reads_the_cas_of_a_report) {
    const auto p = parse(R"({"version": "0.1.0", "protocol": 1, "time": "2026-01-01T00:00:00Z",
        "cas": [{"name": "root", "crl_number": 7, "next_update": "2026-02-01T00:00:00Z",
                 "revoked": 2, "new_member": {"x": [1, 2]}},
                {"name": "sub", "crl_number": 18446744073709551615}],
        "repository": {"certificates": 3, "jobs": 1}, "audit_head": "00"})");
    BOOST_REQUIRE(p.report.has_value());
    BOOST_TEST(p.error.empty());
    BOOST_REQUIRE(p.report->cas.size() == 2U);
    BOOST_TEST(p.report->cas[0].name == "root");
    BOOST_TEST(p.report->cas[0].crl_number == 7U);
    BOOST_TEST((p.report->cas[0].next_update == utc("2026-02-01T00:00:00Z")));
    BOOST_TEST(p.report->cas[1].name == "sub");
    BOOST_TEST(p.report->cas[1].crl_number == 18446744073709551615ULL);
    BOOST_TEST(!p.report->cas[1].next_update.has_value());
}

// docs/hsm.md: where each CA key is, and whether it can sign.
BOOST_AUTO_TEST_CASE(reads_where_each_ca_key_is) {
    const auto p = parse(R"({"cas": [
        {"name": "a", "crl_number": 1, "key": {"store": "file"}},
        {"name": "b", "crl_number": 1, "key": {"store": "token", "present": true,
         "logged_in": true, "label": "CA token", "serial": "0a1b", "model": "m", "error": ""}},
        {"name": "c", "crl_number": 1, "key": {"store": "token", "present": false,
         "logged_in": false, "label": "", "serial": "", "error": "gone"}},
        {"name": "d", "crl_number": 1, "key": {"store": "cloud"}},
        {"name": "e", "crl_number": 1, "key": "file"},
        {"name": "f", "crl_number": 1}],
        "link_key": {"store": "token", "present": true, "logged_in": false, "label": "l"}})");
    BOOST_REQUIRE(p.report.has_value());
    const auto& cas = p.report->cas;
    BOOST_REQUIRE(cas.size() == 6U);
    BOOST_TEST((cas[0].key && !cas[0].key->in_token && cas[0].key->usable));
    BOOST_TEST((cas[1].key && cas[1].key->in_token && cas[1].key->usable));
    BOOST_TEST(cas[1].key->token == "CA token");
    BOOST_TEST(cas[1].key->serial == "0a1b");
    BOOST_TEST((cas[2].key && cas[2].key->in_token && !cas[2].key->usable));
    for (size_t i = 3; i < 6; ++i) {
        BOOST_TEST(!cas[i].key.has_value(), cas[i].name);
    }
    BOOST_REQUIRE(p.report->link_key.has_value());
    BOOST_TEST((p.report->link_key->in_token && !p.report->link_key->usable));
    BOOST_TEST(!parse(R"({"cas": []})").report->link_key.has_value());
}

BOOST_AUTO_TEST_CASE(a_report_without_cas_has_none) {
    for (const char* json : {"{}", R"({"cas": []})", R"({"cas": "none"})", R"({"cas": 5})"}) {
        const auto p = parse(json);
        BOOST_REQUIRE_MESSAGE(p.report.has_value(), json);
        BOOST_TEST(p.report->cas.empty(), json);
    }
}

BOOST_AUTO_TEST_CASE(skips_entries_it_cannot_use) {
    const auto p = parse(R"({"cas": [
        {"crl_number": 1},
        {"name": "", "crl_number": 1},
        {"name": "zero", "crl_number": 0},
        {"name": "negative", "crl_number": -1},
        {"name": "fraction", "crl_number": 1.5},
        {"name": "exponent", "crl_number": 1e3},
        {"name": "too_big", "crl_number": 18446744073709551616},
        {"name": "text", "crl_number": "one"},
        {"name": "object", "crl_number": {"n": 1}},
        {"name": {"n": "x"}, "crl_number": 1},
        {"name": "bad_time", "crl_number": 2, "next_update": "tomorrow"},
        "not an object", 17, null]})");
    BOOST_REQUIRE(p.report.has_value());
    BOOST_REQUIRE(p.report->cas.size() == 1U);
    BOOST_TEST(p.report->cas[0].name == "bad_time");
    BOOST_TEST(!p.report->cas[0].next_update.has_value());
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_json) {
    for (const char* bad : {"",
                            "{",
                            "}",
                            R"({"cas": [})",
                            R"({"cas": [{"name": "root", "crl_number": 1}]} trailing)",
                            R"({"cas": "unterminated})",
                            R"({'cas': []})",
                            "{\"cas\": [\"\\uZZZZ\"]}",
                            "not json"}) {
        const auto p = parse(bad);
        BOOST_TEST(!p.report.has_value(), bad);
        BOOST_TEST(!p.error.empty(), bad);
    }
}

BOOST_AUTO_TEST_CASE(refuses_deep_nesting_before_parsing) {
    const std::string deep = std::string(100000, '[') + std::string(100000, ']');
    const auto p = parse(deep);
    BOOST_TEST(!p.report.has_value());
    BOOST_TEST(p.error.find("nested deeper") != std::string::npos);
    const std::string ok_depth = R"({"a": [[[[[[[[[[[[[[1]]]]]]]]]]]]]]})";  // 15 levels
    BOOST_TEST(parse(ok_depth).report.has_value());
    // Brackets inside strings are text, not nesting.
    const std::string in_text = R"({"a": ")" + std::string(100, '[') + R"(\"["})";
    BOOST_TEST(parse(in_text).report.has_value());
}

BOOST_AUTO_TEST_CASE(takes_any_bytes) {
    using namespace std::string_literals;
    const auto binary = "{\"cas\": [\x00\xff\xfe]}"s;  // all 14 bytes, NUL included
    BOOST_TEST(!parse(binary).report.has_value());
    const auto invalid_utf8 = parse("{\"cas\": [{\"name\": \"\xc3\x28\", \"crl_number\": 1}]}");
    BOOST_TEST((invalid_utf8.report.has_value() || !invalid_utf8.error.empty()));
}

BOOST_AUTO_TEST_CASE(reads_the_audit_head_and_its_seq) {
    const std::string head(64, 'f');
    const auto p = parse(R"({"audit_head": ")" + head + R"(", "audit_seq": 42})");
    BOOST_REQUIRE(p.report.has_value());
    BOOST_REQUIRE(p.report->audit.has_value());
    BOOST_TEST(p.report->audit->seq == 42);
    BOOST_TEST(p.report->audit->hash == head);
    const auto empty =
        parse(R"({"audit_head": ")" + std::string(64, '0') + R"(", "audit_seq": 0})");
    BOOST_REQUIRE(empty.report->audit.has_value());
    BOOST_TEST(empty.report->audit->seq == 0);
}

BOOST_AUTO_TEST_CASE(an_unusable_audit_head_is_no_head) {
    const std::string good(64, 'a');
    for (const std::string& json : std::vector<std::string>{
             R"({"audit_head": ")" + good + R"("})",
             R"({"audit_seq": 3})",
             R"({"audit_head": ")" + std::string(64, 'A') + R"(", "audit_seq": 3})",
             R"({"audit_head": ")" + std::string(63, 'a') + R"(", "audit_seq": 3})",
             R"({"audit_head": ")" + std::string(65, 'a') + R"(", "audit_seq": 3})",
             R"({"audit_head": ")" + std::string(64, 'g') + R"(", "audit_seq": 3})",
             R"({"audit_head": ")" + good + R"(", "audit_seq": -1})",
             R"({"audit_head": ")" + good + R"(", "audit_seq": 1.5})",
             R"({"audit_head": ")" + good + R"(", "audit_seq": "x"})",
             R"({"audit_head": ")" + good + R"(", "audit_seq": 9223372036854775808})",
             R"({"audit_head": {"x": 1}, "audit_seq": 3})",
         }) {
        const auto p = parse(json);
        BOOST_REQUIRE_MESSAGE(p.report.has_value(), json);
        BOOST_TEST(!p.report->audit.has_value(), json);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_signer_check)

BOOST_AUTO_TEST_CASE(accepts_a_clock_within_the_skew) {
    const auto local = utc("2026-01-01T00:00:00Z");
    BOOST_TEST(!cc::clock_fault("2026-01-01T00:05:00Z", local, 300s).has_value());
    BOOST_TEST(!cc::clock_fault("2025-12-31T23:55:00Z", local, 300s).has_value());
}

BOOST_AUTO_TEST_CASE(refuses_a_clock_past_the_skew_or_unreadable) {
    const auto local = utc("2026-01-01T00:00:00Z");
    const auto ahead = cc::clock_fault("2026-01-01T00:05:01Z", local, 300s);
    BOOST_REQUIRE(ahead.has_value());
    BOOST_TEST(*ahead == "the signer's clock is 301 s off ours (run.max_skew_s 300)");
    BOOST_TEST(cc::clock_fault("2025-12-31T23:54:59Z", local, 300s).has_value());
    for (const char* bad : {"", "2026-01-01 00:00:00Z", "garbage", "2026-01-01T00:00:00Z\n"}) {
        const auto f = cc::clock_fault(bad, local, 300s);
        BOOST_REQUIRE(f.has_value());
        BOOST_TEST(*f == "unreadable time from the signer");
    }
}

BOOST_AUTO_TEST_CASE(holds_the_queue_while_a_key_in_a_token_cannot_sign) {
    cc::StatusReport r;
    r.cas = {{"file_ca", 1, std::nullopt, cc::KeyStatus{}},
             {"old_signer", 1, std::nullopt, std::nullopt},
             {"token_ca", 1, std::nullopt, cc::KeyStatus{true, true, "t", "01"}}};
    BOOST_TEST(!cc::key_fault(r).has_value());
    r.cas.push_back({"pulled", 1, std::nullopt, cc::KeyStatus{true, false, "t", "01"}});
    const auto fault = cc::key_fault(r);
    BOOST_REQUIRE(fault.has_value());
    BOOST_TEST(fault->find("pulled") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refreshes_missing_older_and_expiring_crls) {
    const auto horizon = utc("2026-01-02T00:00:00Z");
    cc::StatusReport r;
    r.cas = {{"held_current", 5, utc("2026-03-01T00:00:00Z"), std::nullopt},
             {"held_older", 6, utc("2026-03-01T00:00:00Z"), std::nullopt},
             {"not_held", 1, std::nullopt, std::nullopt},
             {"expiring", 3, utc("2026-01-02T00:00:00Z"), std::nullopt},
             {"ahead_here", 2, std::nullopt, std::nullopt}};
    const std::map<std::string, uint64_t> known{
        {"held_current", 5}, {"held_older", 5}, {"expiring", 3}, {"ahead_here", 9}};
    const auto names = cc::crls_to_refresh(r, known, horizon);
    BOOST_TEST((names == std::vector<std::string>{"held_older", "not_held", "expiring"}));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(client_exit_codes)

BOOST_AUTO_TEST_CASE(follow_the_conventions) {
    namespace ec = cassiopeia::exit_code;
    BOOST_TEST(ec::ok == 0);
    BOOST_TEST(ec::failure == 1);
    BOOST_TEST(ec::usage == 2);
    BOOST_TEST(ec::signer_error == 3);
    BOOST_TEST(ec::verification == 4);
}

BOOST_AUTO_TEST_SUITE_END()
