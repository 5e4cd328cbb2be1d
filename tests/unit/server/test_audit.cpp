// Tests for the hash-chained audit log: chain format, tamper detection, audit-verify command.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "local_commands.hpp"
#include "repository/repository.hpp"
#include "sqlite/database.hpp"
#include "temp_dir.hpp"

#include <librecord/errors.hpp>
#include <librecord/hex.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cs = cassiopeia::server;
using cassiopeia::Error;
using Bytes = std::vector<uint8_t>;

namespace {

using TempDir = cassiopeia::test::TempDir;

std::string db_file(const TempDir& dir) {
    return (dir.path() / cs::Repository::database_file_name).string();
}

/// A repository with the schema entry (seq 1) and entries 2..5.
cs::Repository five_entries(const TempDir& dir) {
    auto repo = cs::Repository::open(dir.path());
    for (int i = 2; i <= 5; ++i) {
        (void)repo.lock().audit().append("test", "entry " + std::to_string(i));
    }
    return repo;
}

/// Raw SQL on the database file, as someone with file access could do it.
void tamper(const TempDir& dir, const std::string& sql) {
    auto db = cs::sqlite::Database::open(db_file(dir), cs::sqlite::OpenMode::read_write);
    db.exec(
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;");
    db.exec(sql);
}

std::string zeros() {
    return std::string(64, '0');
}

}  // namespace

BOOST_AUTO_TEST_SUITE(AuditLog)

BOOST_AUTO_TEST_CASE(entry_hash_matches_documented_encoding) {
    // Vectors computed independently (Python hashlib/struct) from docs/repository.md.
    const auto first =
        cs::audit_entry_hash(1, "2026-01-01T00:00:00Z", "schema", "version=1", zeros());
    BOOST_REQUIRE(first.has_value());
    BOOST_TEST(librecord::to_hex(*first, librecord::HexCase::lower) ==
               "06abce09be6fed2fef8467a04e21063b15202e8f8b8c1b49e3138fb1f4c39807");
    const auto second = cs::audit_entry_hash(2,
                                             "2026-01-01T00:00:01Z",
                                             "issue",
                                             "request_id=cli:1 serial=8A3F",
                                             librecord::to_hex(*first, librecord::HexCase::lower));
    BOOST_REQUIRE(second.has_value());
    BOOST_TEST(librecord::to_hex(*second, librecord::HexCase::lower) ==
               "b8be5e3bc541844a7f7656efc38d1c87a2b53e05de579fd4c8d5115f134a8c1b");
}

BOOST_AUTO_TEST_CASE(entry_hash_refuses_malformed_prev_hash) {
    BOOST_TEST(!cs::audit_entry_hash(1, "t", "k", "d", "").has_value());
    BOOST_TEST(!cs::audit_entry_hash(1, "t", "k", "d", std::string(63, '0')).has_value());
    BOOST_TEST(!cs::audit_entry_hash(1, "t", "k", "d", std::string(64, 'A')).has_value());
    BOOST_TEST(!cs::audit_entry_hash(1, "t", "k", "d", std::string(64, 'g')).has_value());
}

BOOST_AUTO_TEST_CASE(field_boundaries_are_unambiguous) {
    const auto a = cs::audit_entry_hash(1, "t", "ab", "c", zeros());
    const auto b = cs::audit_entry_hash(1, "t", "a", "bc", zeros());
    BOOST_TEST(librecord::to_hex(*a, librecord::HexCase::lower) !=
               librecord::to_hex(*b, librecord::HexCase::lower));
}

BOOST_AUTO_TEST_CASE(chain_links_entries_and_head_is_last_hash) {
    const TempDir dir;
    auto repo = five_entries(dir);
    const auto entries = repo.lock().audit().entries();
    BOOST_REQUIRE(entries.size() == 5U);
    BOOST_TEST(entries[0].seq == 1);
    BOOST_TEST(entries[0].prev_hash == zeros());
    for (size_t i = 1; i < entries.size(); ++i) {
        BOOST_TEST(entries[i].seq == static_cast<int64_t>(i + 1));
        BOOST_TEST(entries[i].prev_hash == entries[i - 1].hash);
    }
    BOOST_TEST(entries[4].detail == "entry 5");
    BOOST_TEST(entries[4].time.size() == 20U);
    BOOST_TEST(entries[4].time[10] == 'T');
    BOOST_TEST(entries[4].time.back() == 'Z');
    BOOST_TEST(entries[4].time.substr(0, 2) == "20");
    BOOST_TEST(repo.lock().audit().head() == entries[4].hash);
    const auto v = repo.lock().audit().verify();
    BOOST_TEST(v.ok);
    BOOST_TEST(v.first_bad_seq == 0);
    BOOST_TEST(v.entries == 5);
    BOOST_TEST(v.head == entries[4].hash);
}

BOOST_AUTO_TEST_CASE(append_returns_what_is_stored) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    const auto e = repo.lock().audit().append("start", "signer 0.1.0 started");
    BOOST_TEST(e.seq == 2);
    BOOST_TEST(repo.lock().audit().head() == e.hash);
    const auto again = cs::audit_entry_hash(e.seq, e.time, e.kind, e.detail, e.prev_hash);
    BOOST_TEST(librecord::to_hex(*again, librecord::HexCase::lower) == e.hash);
}

BOOST_AUTO_TEST_CASE(append_refuses_bad_kind) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    for (const char* kind : {"", "Issue", "has space", "x\n", "a|b"}) {
        BOOST_CHECK_THROW((void)repo.lock().audit().append(kind, "d"), Error);
    }
    BOOST_TEST(repo.lock().audit().entries().size() == 1U);
}

BOOST_AUTO_TEST_CASE(issue_and_revoke_write_audit_entries) {
    const TempDir dir;
    auto repo = cs::Repository::open(dir.path());
    const cs::CrlSigner sign = [](const cs::CrlInput& in) {
        return cs::SignedCrl{Bytes{0x30, static_cast<uint8_t>(in.crl_number)}, Bytes{0x30}};
    };
    const auto t = cs::UnixTime{std::chrono::seconds{1'790'000'000}};
    (void)repo.lock().crls().init("ca-a", t, t + std::chrono::hours{24}, sign);
    cs::IssuedRecord r;
    r.request_id = "webdb:9";
    r.log = Bytes{'o', 'k'};
    r.cert_der = Bytes{0x30, 0x00};
    r.serial = "8A3F";
    r.ca = "ca-a";
    r.not_before = t;
    r.not_after = t + std::chrono::hours{1};
    repo.lock().requests().store_issued(r);
    (void)repo.lock().crls().revoke(
        "ca-a", {{"8a3f", {}}}, t + std::chrono::seconds{5}, t + std::chrono::hours{24}, sign);
    const auto entries = repo.lock().audit().entries();
    BOOST_REQUIRE(entries.size() == 4U);
    BOOST_TEST(entries[1].kind == "crl-init");
    BOOST_TEST(entries[2].kind == "issue");
    BOOST_TEST(entries[2].detail.find("serial=8A3F") != std::string::npos);
    BOOST_TEST(entries[2].detail.find("request_id=webdb:9") != std::string::npos);
    BOOST_TEST(entries[3].kind == "revoke");
    BOOST_TEST(entries[3].detail.find("crl_number=2") != std::string::npos);
    BOOST_TEST(repo.lock().audit().verify().ok);
}

BOOST_AUTO_TEST_CASE(triggers_refuse_update_and_delete) {
    const TempDir dir;
    auto repo = five_entries(dir);
    auto db = cs::sqlite::Database::open(db_file(dir), cs::sqlite::OpenMode::read_write);
    BOOST_CHECK_THROW(db.exec("UPDATE audit_log SET detail = 'x' WHERE seq = 3"), Error);
    BOOST_CHECK_THROW(db.exec("DELETE FROM audit_log WHERE seq = 3"), Error);
    BOOST_TEST(repo.lock().audit().verify().ok);
}

BOOST_AUTO_TEST_CASE(edited_detail_is_reported_at_its_seq) {
    const TempDir dir;
    auto repo = five_entries(dir);
    tamper(dir, "UPDATE audit_log SET detail = 'entry 3, edited' WHERE seq = 3");
    const auto v = repo.lock().audit().verify();
    BOOST_TEST(!v.ok);
    BOOST_TEST(v.first_bad_seq == 3);
    BOOST_TEST(!v.reason.empty());
}

BOOST_AUTO_TEST_CASE(edited_and_rehashed_entry_is_reported_at_the_next_seq) {
    const TempDir dir;
    auto repo = five_entries(dir);
    const auto e3 = repo.lock().audit().entries()[2];
    const auto forged = cs::audit_entry_hash(3, e3.time, e3.kind, "forged", e3.prev_hash);
    tamper(dir,
           "UPDATE audit_log SET detail = 'forged', hash = '" +
               librecord::to_hex(*forged, librecord::HexCase::lower) + "' WHERE seq = 3");
    const auto v = repo.lock().audit().verify();
    BOOST_TEST(!v.ok);
    BOOST_TEST(v.first_bad_seq == 4);
}

BOOST_AUTO_TEST_CASE(edited_time_or_kind_is_reported) {
    const TempDir dir;
    auto repo = five_entries(dir);
    tamper(dir, "UPDATE audit_log SET time = '2000-01-01T00:00:00Z' WHERE seq = 2");
    BOOST_TEST(repo.lock().audit().verify().first_bad_seq == 2);
    const TempDir dir2;
    auto repo2 = five_entries(dir2);
    tamper(dir2, "UPDATE audit_log SET kind = 'other' WHERE seq = 5");
    BOOST_TEST(repo2.lock().audit().verify().first_bad_seq == 5);
}

BOOST_AUTO_TEST_CASE(deleted_middle_entry_is_reported) {
    const TempDir dir;
    auto repo = five_entries(dir);
    tamper(dir, "DELETE FROM audit_log WHERE seq = 3");
    const auto v = repo.lock().audit().verify();
    BOOST_TEST(!v.ok);
    BOOST_TEST(v.first_bad_seq == 3);
    BOOST_TEST(v.entries == 2);
}

BOOST_AUTO_TEST_CASE(deleted_tail_entry_is_reported) {
    const TempDir dir;
    auto repo = five_entries(dir);
    tamper(dir, "DELETE FROM audit_log WHERE seq = 5");
    const auto v = repo.lock().audit().verify();
    BOOST_TEST(!v.ok);
    BOOST_TEST(v.first_bad_seq == 5);
    // Appending after the cut leaves a visible gap instead of healing the chain.
    (void)repo.lock().audit().append("test", "after cut");
    BOOST_TEST(repo.lock().audit().verify().first_bad_seq == 5);
}

BOOST_AUTO_TEST_CASE(first_entry_must_start_from_zeros) {
    const TempDir dir;
    auto repo = five_entries(dir);
    tamper(dir, "UPDATE audit_log SET prev_hash = '" + std::string(64, '1') + "' WHERE seq = 1");
    BOOST_TEST(repo.lock().audit().verify().first_bad_seq == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(AuditVerifyCommand)

BOOST_AUTO_TEST_CASE(returns_0_for_an_intact_chain) {
    const TempDir dir;
    std::string head;
    {
        auto repo = five_entries(dir);
        head = repo.lock().audit().head();
    }
    std::ostringstream out;
    BOOST_TEST(cs::run_audit_verify(dir.path(), out) == 0);
    BOOST_TEST(out.str().find(head) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(returns_1_naming_the_changed_entry) {
    const TempDir dir;
    { (void)five_entries(dir); }
    tamper(dir, "UPDATE audit_log SET detail = 'x' WHERE seq = 4");
    std::ostringstream out;
    BOOST_TEST(cs::run_audit_verify(dir.path(), out) == 1);
    BOOST_TEST(out.str().find("seq 4") != std::string::npos, out.str());
}

BOOST_AUTO_TEST_CASE(returns_1_naming_the_removed_entry) {
    const TempDir dir;
    { (void)five_entries(dir); }
    tamper(dir, "DELETE FROM audit_log WHERE seq = 2");
    std::ostringstream out;
    BOOST_TEST(cs::run_audit_verify(dir.path(), out) == 1);
    BOOST_TEST(out.str().find("seq 2") != std::string::npos, out.str());
}

BOOST_AUTO_TEST_CASE(works_while_the_signer_holds_the_repository) {
    const TempDir dir;
    auto repo = five_entries(dir);
    std::ostringstream out;
    BOOST_TEST(cs::run_audit_verify(dir.path(), out) == 0);
    (void)repo.lock().audit().append("test", "still writable");
    BOOST_TEST(repo.lock().audit().verify().ok);
}

BOOST_AUTO_TEST_CASE(returns_1_without_creating_a_missing_repository) {
    const TempDir dir;
    std::ostringstream out;
    BOOST_TEST(cs::run_audit_verify(dir.path(), out) == 1);
    BOOST_TEST(cs::run_audit_verify((dir.path() / "missing").string(), out) == 1);
    BOOST_TEST(std::filesystem::is_empty(dir.path()));
}

BOOST_AUTO_TEST_SUITE_END()
