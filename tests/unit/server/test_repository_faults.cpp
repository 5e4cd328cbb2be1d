// The repository on a failing file system (full, read-only, failing fsync), driven by FaultyVfs:
// a failed write leaves no row and no audit entry, nothing is wedged, and the retry succeeds on
// the same connection once the file system is well again (docs/repository.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "faulty_vfs.hpp"
#include "repository/repository.hpp"
#include "temp_dir.hpp"

#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>
#include <sqlite3.h>

#include <functional>
#include <string>
#include <vector>

namespace cs = cassiopeia::server;
using cassiopeia::Error;
using cassiopeia::ErrorKind;
using cassiopeia::test::FaultyVfs;
using cassiopeia::test::TempDir;
using Bytes = std::vector<uint8_t>;

namespace {

constexpr int64_t t0 = 1'790'000'000;  // 2026-09-21

cs::UnixTime at(int64_t s) {
    return cs::UnixTime{std::chrono::seconds{s}};
}

cs::IssuedRecord issued(const std::string& request_id, const std::string& serial) {
    cs::IssuedRecord r;
    const std::string text = "request " + request_id;
    // reinterpret_cast: the bytes of a char string
    r.request_hash =
        cs::Sha256::digest({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
    r.request_id = request_id;
    r.log = Bytes{'l', 'o', 'g'};
    r.cert_der = Bytes{0x30, 0x03, 0x02, 0x01, 0x05};
    r.cert_der.insert(r.cert_der.end(), serial.begin(), serial.end());
    r.serial = serial;
    r.ca = "ca-a";
    r.not_before = at(t0 - 60);
    r.not_after = at(t0 + 86400);
    return r;
}

cs::CrlSigner fake_signer() {
    return [](const cs::CrlInput& in) {
        const auto n = static_cast<uint8_t>(in.crl_number);
        return cs::SignedCrl{Bytes{0x30, 0x01, n}, Bytes{0x30, 0x02, n}};
    };
}

/// One way a file system fails: what the VFS returns, and after how many good writes.
struct Fault {
    const char* what;
    int write_rc;
    int after;
    int sync_rc;
};

/// ENOSPC (SQLITE_FULL) and EROFS/EIO (SQLITE_IOERR_WRITE) at the first write of the commit and
/// part-way through its WAL frames; an fsync that fails after every frame was written.
const std::vector<Fault> faults = {
    {"full at the first write", SQLITE_FULL, 0, SQLITE_OK},
    {"full after one write", SQLITE_FULL, 1, SQLITE_OK},
    {"full after three writes", SQLITE_FULL, 3, SQLITE_OK},
    {"read-only at the first write", SQLITE_IOERR_WRITE, 0, SQLITE_OK},
    {"read-only after two writes", SQLITE_IOERR_WRITE, 2, SQLITE_OK},
    {"fsync fails", SQLITE_OK, 0, SQLITE_IOERR_FSYNC},
};

void arm(FaultyVfs& vfs, const Fault& f) {
    if (f.write_rc != SQLITE_OK) {
        vfs.fail_writes(f.write_rc, f.after);
    }
    if (f.sync_rc != SQLITE_OK) {
        vfs.fail_syncs(f.sync_rc);
    }
}

void expect_database_error(const std::function<void()>& fn) {
    try {
        fn();
        BOOST_ERROR("no exception");
    } catch (const Error& e) {
        BOOST_TEST(static_cast<int>(e.kind()) == static_cast<int>(ErrorKind::database));
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(RepositoryFaults)

BOOST_AUTO_TEST_CASE(failed_issue_leaves_nothing_and_the_retry_succeeds) {
    for (const Fault& fault : faults) {
        BOOST_TEST_CONTEXT(fault.what) {
            const TempDir dir;
            FaultyVfs vfs;  // outlives the connections below
            {
                auto repo = cs::Repository::open(dir.path());
                repo.lock().requests().store_issued(issued("webdb:1", "01"));
                const auto tip = repo.lock().audit().tip();
                arm(vfs, fault);
                // Refused while the fault lasts, twice: the first failure wedges nothing.
                for (int attempt = 0; attempt < 2; ++attempt) {
                    expect_database_error(
                        [&] { repo.lock().requests().store_issued(issued("webdb:2", "02")); });
                }
                BOOST_TEST(vfs.injected() > 0);
                vfs.heal();
                BOOST_TEST(!repo.lock().requests().find("webdb:2").has_value());
                BOOST_TEST(!repo.lock().requests().certificate_by_serial("02").has_value());
                BOOST_TEST(repo.lock().requests().count_certificates() == 1);
                BOOST_TEST(repo.lock().audit().tip().seq == tip.seq);
                BOOST_TEST(repo.lock().audit().tip().hash == tip.hash);
                BOOST_TEST(repo.lock().audit().verify().ok);
                // The retry on the same connection, as the serving signer does it.
                repo.lock().requests().store_issued(issued("webdb:2", "02"));
                BOOST_TEST(repo.lock().requests().find("webdb:2").has_value());
                BOOST_TEST(repo.lock().audit().tip().seq == tip.seq + 1);
                BOOST_TEST(repo.lock().audit().verify().ok);
            }
            // As after a restart: both jobs, one certificate each, the chain intact.
            auto repo = cs::Repository::open_read_only(dir.path());
            BOOST_TEST(repo.lock().requests().count_certificates() == 2);
            BOOST_TEST(repo.lock().requests().count_jobs() == 2);
            BOOST_TEST(repo.lock().audit().verify().ok);
        }
    }
}

BOOST_AUTO_TEST_CASE(failed_revoke_keeps_the_crl_number) {
    for (const Fault& fault : faults) {
        BOOST_TEST_CONTEXT(fault.what) {
            const TempDir dir;
            FaultyVfs vfs;  // outlives the connections below
            {
                auto repo = cs::Repository::open(dir.path());
                (void)repo.lock().crls().init("ca-a", at(t0), at(t0 + 3600), fake_signer());
                repo.lock().requests().store_issued(issued("webdb:1", "01"));
                const auto tip = repo.lock().audit().tip();
                arm(vfs, fault);
                expect_database_error([&] {
                    (void)repo.lock().crls().revoke(
                        "ca-a", {{"01", {}}}, at(t0 + 10), at(t0 + 3610), fake_signer());
                });
                expect_database_error([&] {
                    (void)repo.lock().crls().renew(
                        "ca-a", at(t0 + 20), at(t0 + 3620), fake_signer());
                });
                vfs.heal();
                const auto state = repo.lock().crls().state("ca-a");
                BOOST_REQUIRE(state.has_value());
                BOOST_TEST(state->crl_number == 1);
                BOOST_TEST(state->revoked == 0);
                BOOST_TEST(repo.lock().crls().entries("ca-a").empty());
                BOOST_TEST(repo.lock().audit().tip().seq == tip.seq);
                const auto out = repo.lock().crls().revoke(
                    "ca-a", {{"01", {}}}, at(t0 + 30), at(t0 + 3630), fake_signer());
                BOOST_TEST(out.crl.crl_number == 2);
                BOOST_TEST(repo.lock().crls().entries("ca-a").size() == 1U);
                BOOST_TEST(repo.lock().audit().verify().ok);
            }
            auto repo = cs::Repository::open_read_only(dir.path());
            BOOST_TEST(repo.lock().crls().state("ca-a")->crl_number == 2);
            BOOST_TEST(repo.lock().audit().verify().ok);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
