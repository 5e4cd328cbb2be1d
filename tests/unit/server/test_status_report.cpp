// Tests for the status report's JSON text (docs/protocol.md §5.7) and the repository's one lock.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "repository/repository.hpp"
#include "status_report.hpp"
#include "temp_dir.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

namespace cs = cassiopeia::server;

namespace {

cs::SysSeconds at(int64_t s) {
    return cs::SysSeconds{std::chrono::seconds{s}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(StatusReport)

BOOST_AUTO_TEST_CASE(writes_the_fields_of_5_7_in_order) {
    cs::StatusReport r;
    r.version = "0.1.0";
    r.time = at(1'790'000'000);
    r.uptime_s = 42;
    r.cas.push_back(
        {"client_2026_1", at(1'780'000'000), at(1'800'000'000), std::nullopt, std::nullopt});
    cs::CrlState crl;
    crl.crl_number = 3;
    crl.this_update = at(1'789'000'000);
    crl.next_update = at(1'789'600'000);
    crl.revoked = 2;
    librecord::pkcs11::TokenState token;
    token.present = true;
    token.label = "ca-token";
    token.serial = "0123abcd";
    token.model = "SoftHSM v2";
    token.error = "gnutls_privkey_import_url: no such object";
    r.cas.push_back({"server_2026_1", at(1'780'000'000), at(1'800'000'000), crl, token});
    r.certificates = 7;
    r.jobs = 8;
    r.audit_head = std::string(64, 'a');
    r.audit_seq = 9;
    r.warnings = {"family \"x\": soon"};
    BOOST_TEST(cs::to_json(r) ==
               R"({"version": "0.1.0", "protocol": 1, "time": "2026-09-21T14:13:20Z", )"
               R"("uptime_s": 42, "cas": [{"name": "client_2026_1", )"
               R"("not_before": "2026-05-28T20:26:40Z", "not_after": "2027-01-15T08:00:00Z", )"
               R"("key": {"store": "file"}}, )"
               R"({"name": "server_2026_1", "not_before": "2026-05-28T20:26:40Z", )"
               R"("not_after": "2027-01-15T08:00:00Z", "crl_number": 3, )"
               R"("this_update": "2026-09-10T00:26:40Z", "next_update": "2026-09-16T23:06:40Z", )"
               R"("revoked": 2, "key": {"store": "token", "present": true, "logged_in": false, )"
               R"("label": "ca-token", "serial": "0123abcd", "model": "SoftHSM v2", )"
               R"("error": "gnutls_privkey_import_url: no such object"}}], )"
               R"("repository": {"certificates": 7, "jobs": 8}, )"
               R"("audit_head": ")" +
                   std::string(64, 'a') +
                   R"(", "audit_seq": 9, "warnings": ["family \"x\": soon"], )"
                   R"("link_key": {"store": "file"}})");
}

BOOST_AUTO_TEST_CASE(shows_a_link_key_in_a_token) {
    cs::StatusReport r;
    r.audit_head = std::string(64, '0');
    librecord::pkcs11::TokenState token;
    token.present = true;
    token.logged_in = true;
    token.label = "link";
    token.serial = "77";
    r.link_key = token;
    const auto json = cs::to_json(r);
    BOOST_TEST(json.find(R"("link_key": {"store": "token", "present": true, "logged_in": true, )"
                         R"("label": "link", "serial": "77", "model": "", "error": ""}})") !=
                   std::string::npos,
               json);
}

BOOST_AUTO_TEST_CASE(empty_lists_are_empty_arrays) {
    cs::StatusReport r;
    r.version = "0.1.0";
    r.audit_head = std::string(64, '0');
    const auto json = cs::to_json(r);
    BOOST_TEST(json.find(R"("cas": [], )") != std::string::npos, json);
    BOOST_TEST(json.find(R"("warnings": [], )") != std::string::npos, json);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(RepositoryLock)

BOOST_AUTO_TEST_CASE(a_second_lock_waits_for_the_first) {
    const cassiopeia::test::TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    std::atomic<bool> second_held{false};
    std::thread other;
    {
        auto held = repo.lock();
        other = std::thread([&] {
            auto again = repo.lock();
            second_held = true;
        });
        // The other thread cannot get past lock() while this one holds it.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        BOOST_TEST(!second_held.load());
        (void)held.audit().append("test", "held");
    }
    other.join();
    BOOST_TEST(second_held.load());
    BOOST_TEST(repo.lock().audit().entries().back().detail == "held");
}

BOOST_AUTO_TEST_SUITE_END()
