// Tests for the repository's history: append-only guards on every history table, the migration
// that adds them, and audit-verify's cross-check of the tables against the audit log.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "local_commands.hpp"
#include "repository/history_check.hpp"
#include "repository/repository.hpp"
#include "repository/schema.hpp"
#include "sqlite/database.hpp"
#include "temp_dir.hpp"

#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace cs = cassiopeia::server;
using cassiopeia::Error;
using Bytes = std::vector<uint8_t>;

namespace {

using TempDir = cassiopeia::test::TempDir;

constexpr int64_t t0 = 1'790'000'000;  // 2026-09-21

cs::UnixTime at(int64_t s) {
    return cs::UnixTime{std::chrono::seconds{s}};
}

std::string db_file(const TempDir& dir) {
    return (dir.path() / cs::Repository::database_file_name).string();
}

cs::IssuedRecord issued(const std::string& id, const std::string& serial, int64_t not_after) {
    cs::IssuedRecord r;
    r.request_id = id;
    r.request_hash = cs::Sha256::digest(Bytes{'r', static_cast<uint8_t>(serial.size())});
    r.log = Bytes{'l', 'o', 'g'};
    r.cert_der = Bytes{0x30, 0x03, 0x02, 0x01};
    r.cert_der.insert(r.cert_der.end(), serial.begin(), serial.end());
    r.serial = serial;
    r.ca = "ca-a";
    r.not_before = at(t0 - 60);
    r.not_after = at(not_after);
    return r;
}

const cs::CrlSigner sign = [](const cs::CrlInput& in) {
    const auto n = static_cast<uint8_t>(in.crl_number);
    return cs::SignedCrl{Bytes{0x30, 0x01, n}, Bytes{0x30, 0x02, n}};
};

/// A repository with every kind of history row: two certificates (one expires early), an
/// OpenPGP job, CRLs 1..4 of ca-a, 0A revoked with a reason and 0B revoked then dropped.
cs::Repository full_history(const TempDir& dir) {
    auto repo = cs::Repository::open(dir.path());
    (void)repo.lock().crls().init("ca-a", at(t0), at(t0 + 86400), sign);
    repo.lock().requests().store_issued(issued("cli:1", "0A", t0 + 86400 * 30));
    repo.lock().requests().store_issued(issued("cli:2", "0B", t0 + 100));
    cs::CertifiedKeyRecord k;
    k.request_id = "cli:3";
    k.log = Bytes{'p'};
    k.armoured_key = Bytes{'k', 'e', 'y'};
    k.signer = "certifier";
    k.fingerprint = "ABCD";
    repo.lock().requests().store_certified_key(k);
    const auto r = repo.lock().crls().revoke(
        "ca-a", {{"0A", "keyCompromise"}, {"0B", {}}}, at(t0 + 10), at(t0 + 86400), sign);
    BOOST_REQUIRE(r.status == cs::RevokeOutcome::Status::revoked);
    (void)repo.lock().crls().renew("ca-a", at(t0 + 200), at(t0 + 86400), sign);
    (void)repo.lock().crls().renew("ca-a", at(t0 + 300), at(t0 + 86400), sign);  // drops 0B
    return repo;
}

/// Raw SQL as someone with write access to the file could run it: every guard dropped first.
void tamper(const TempDir& dir, const std::string& sql) {
    auto db = cs::sqlite::Database::open(db_file(dir), cs::sqlite::OpenMode::read_write);
    db.exec("PRAGMA foreign_keys = OFF;");
    std::vector<std::string> triggers;
    auto st = db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'");
    while (st.step()) {
        triggers.push_back(st.column_text(0));
    }
    for (const auto& t : triggers) {
        db.exec("DROP TRIGGER " + t + ";");
    }
    db.exec(sql);
}

/// Raw SQL through the guards: returns whether the database accepted it.
bool accepted(const TempDir& dir, const std::string& sql) {
    auto db = cs::sqlite::Database::open(db_file(dir), cs::sqlite::OpenMode::read_write);
    try {
        db.exec(sql);
        return true;
    } catch (const Error&) {
        return false;
    }
}

int audit_verify(const TempDir& dir) {
    std::ostringstream out;
    return cs::run_audit_verify(dir.path(), out);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(HistoryGuards)

BOOST_AUTO_TEST_CASE(full_history_verifies) {
    const TempDir dir;
    auto repo = full_history(dir);
    const auto v = repo.lock().audit().verify();
    BOOST_TEST(v.ok, v.reason);
    BOOST_TEST(repo.lock().crls().state("ca-a")->crl_number == 4);
    BOOST_TEST(audit_verify(dir) == 0);
}

BOOST_AUTO_TEST_CASE(revoked_rows_are_never_deleted_or_rewritten) {
    const TempDir dir;
    { (void)full_history(dir); }
    BOOST_TEST(!accepted(dir, "DELETE FROM revoked WHERE serial = '0A'"));
    BOOST_TEST(!accepted(dir, "DELETE FROM revoked"));
    BOOST_TEST(!accepted(dir, "UPDATE revoked SET reason = NULL WHERE serial = '0A'"));
    BOOST_TEST(!accepted(dir, "UPDATE revoked SET revoked_at = 0 WHERE serial = '0A'"));
    BOOST_TEST(!accepted(dir, "UPDATE revoked SET crl_added = 3 WHERE serial = '0A'"));
    BOOST_TEST(!accepted(dir, "UPDATE revoked SET ca = 'ca-b' WHERE serial = '0A'"));
    // 0B was dropped by CRL 4: the mark is set once and never moved or cleared.
    BOOST_TEST(!accepted(dir, "UPDATE revoked SET crl_dropped = 9 WHERE serial = '0B'"));
    BOOST_TEST(!accepted(dir, "UPDATE revoked SET crl_dropped = NULL WHERE serial = '0B'"));
    // The CRL book's own update, a first drop, stays possible.
    BOOST_TEST(accepted(dir, "UPDATE revoked SET crl_dropped = 5 WHERE serial = '0A'"));
}

BOOST_AUTO_TEST_CASE(crl_state_only_moves_up_by_one) {
    const TempDir dir;
    { (void)full_history(dir); }
    BOOST_TEST(!accepted(dir, "DELETE FROM crl_state"));
    BOOST_TEST(!accepted(dir, "UPDATE crl_state SET crl_number = 3"));
    BOOST_TEST(!accepted(dir, "UPDATE crl_state SET crl_number = 4, crl_der = x'3000'"));
    BOOST_TEST(!accepted(dir, "UPDATE crl_state SET crl_number = 9"));
    BOOST_TEST(!accepted(dir, "UPDATE crl_state SET ca = 'ca-b', crl_number = 5"));
}

BOOST_AUTO_TEST_CASE(certificates_requests_and_audit_are_append_only) {
    const TempDir dir;
    { (void)full_history(dir); }
    for (const char* sql : {"DELETE FROM certificates WHERE serial = '0B'",
                            "UPDATE certificates SET not_after = 0",
                            "DELETE FROM requests WHERE request_id = 'cli:3'",
                            "UPDATE requests SET log = x'00'",
                            "DELETE FROM audit_log WHERE seq = 2",
                            "UPDATE audit_log SET detail = 'x' WHERE seq = 2"}) {
        BOOST_TEST(!accepted(dir, sql), sql);
    }
}

BOOST_AUTO_TEST_CASE(a_version_1_repository_gets_the_guards_on_open) {
    const TempDir dir;
    {
        auto db = cs::sqlite::Database::open(db_file(dir), cs::sqlite::OpenMode::create);
        cs::schema::migrate_to_for_test(db, db_file(dir), 1);
        BOOST_TEST(cs::schema::read_version(db) == 1);
    }
    {
        auto repo = cs::Repository::open(dir.path());
        (void)repo.lock().crls().init("ca-a", at(t0), at(t0 + 86400), sign);
        repo.lock().requests().store_issued(issued("cli:1", "0A", t0 + 86400));
        (void)repo.lock().crls().revoke("ca-a", {{"0A", {}}}, at(t0 + 1), at(t0 + 86400), sign);
        const auto entries = repo.lock().audit().entries();
        BOOST_TEST(entries.at(1).kind == "schema");
        BOOST_TEST(entries.at(1).detail == "version=2 from=1");
        BOOST_TEST(repo.lock().audit().verify().ok);
    }
    auto db = cs::sqlite::Database::open(db_file(dir), cs::sqlite::OpenMode::read_only);
    BOOST_TEST(cs::schema::read_version(db) == cs::schema::version);
    BOOST_TEST(!accepted(dir, "DELETE FROM revoked"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(HistoryCrossCheck)

BOOST_AUTO_TEST_CASE(a_deleted_revocation_fails_audit_verify) {
    const TempDir dir;
    { (void)full_history(dir); }
    tamper(dir, "DELETE FROM revoked WHERE serial = '0A'");
    BOOST_TEST(audit_verify(dir) == 1);
    auto repo = cs::Repository::open_read_only(dir.path());
    const auto v = repo.lock().audit().verify();
    BOOST_TEST(!v.ok);
    BOOST_TEST(v.history_mismatch);
    BOOST_TEST(v.first_bad_seq > 0);  // the revoke entry that listed it
}

BOOST_AUTO_TEST_CASE(every_altered_history_row_fails_audit_verify) {
    for (const char* sql : {
             "UPDATE revoked SET reason = NULL WHERE serial = '0A'",
             "UPDATE revoked SET revoked_at = revoked_at + 1 WHERE serial = '0A'",
             "UPDATE revoked SET crl_dropped = NULL WHERE serial = '0B'",
             "UPDATE revoked SET crl_dropped = 4 WHERE serial = '0A'",
             "UPDATE certificates SET der = x'3000' WHERE serial = '0A'",
             "UPDATE certificates SET not_after = not_after + 86400 WHERE serial = '0B'",
             "UPDATE certificates SET ca = 'ca-b' WHERE serial = '0B'",
             "DELETE FROM certificates WHERE serial = '0B'",
             "UPDATE requests SET log = x'00' WHERE request_id = 'cli:1'",
             "UPDATE requests SET result = x'00' WHERE request_id = 'cli:3'",
             "UPDATE requests SET serial = NULL WHERE request_id = 'cli:2'",
             "DELETE FROM requests WHERE request_id = 'cli:3'",
             "UPDATE crl_state SET crl_der = x'3001ff'",
             "UPDATE crl_state SET delta_der = x'3001ff'",
             "UPDATE crl_state SET next_update = next_update + 86400",
             "UPDATE crl_state SET crl_number = 3",
             "DELETE FROM crl_state",
         }) {
        const TempDir dir;
        { (void)full_history(dir); }
        tamper(dir, sql);
        BOOST_TEST(audit_verify(dir) == 1, sql);
    }
}

BOOST_AUTO_TEST_CASE(rows_without_an_audit_entry_fail_audit_verify) {
    for (const char* sql : {
             "INSERT INTO certificates VALUES ('0C', 'ca-a', x'3000', 0, 1, 0)",
             "INSERT INTO revoked VALUES ('0C', 'ca-a', 0, NULL, 2, NULL)",
             "INSERT INTO requests VALUES ('cli:9', zeroblob(32), x'', x'00', 'ca-a', NULL, 0)",
             "INSERT INTO crl_state VALUES ('ca-b', 1, 0, 1, x'30', x'30')",
         }) {
        const TempDir dir;
        { (void)full_history(dir); }
        tamper(dir, sql);
        BOOST_TEST(audit_verify(dir) == 1, sql);
    }
}

BOOST_AUTO_TEST_CASE(a_mismatch_is_named_as_one) {
    const TempDir dir;
    { (void)full_history(dir); }
    tamper(dir, "DELETE FROM revoked WHERE serial = '0A'");
    auto repo = cs::Repository::open_read_only(dir.path());
    const auto v = repo.lock().audit().verify();
    BOOST_TEST(v.history_mismatch);
    BOOST_TEST(!v.reason.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(AuditDetail)

BOOST_AUTO_TEST_CASE(reads_the_fields_the_books_write) {
    const auto f = cs::parse_audit_detail("ca=x crl_number=2 added=0A,0B dropped= reasons=-,-");
    BOOST_REQUIRE(f.has_value());
    BOOST_TEST(f->size() == 5U);
    BOOST_TEST(f->at("added") == "0A,0B");
    BOOST_TEST(f->at("dropped").empty());
    BOOST_TEST(cs::parse_audit_detail("a=b=c")->at("a") == "b=c");
}

BOOST_AUTO_TEST_CASE(refuses_anything_else) {
    for (const char* text : {"",
                             " ",
                             "a",
                             "=b",
                             "a=b ",
                             " a=b",
                             "a=b  c=d",
                             "a=1 a=2",
                             "A=b",
                             "a-b=c",
                             "signer 0.1 started",
                             "a=b\tc"}) {
        BOOST_TEST(!cs::parse_audit_detail(text).has_value(), text);
    }
}

BOOST_AUTO_TEST_SUITE_END()
