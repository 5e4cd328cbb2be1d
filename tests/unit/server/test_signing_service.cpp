// Tests of signing_service.hpp's sign_batch over a real repository (docs/repository.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance_test_support.hpp"
#include "repository/repository.hpp"
#include "signing_service.hpp"
#include "sqlite/database.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file
using cassiopeia::server::test::at;

namespace {

/** The signer's clock in these tests: the proof lines of server_request() are fresh then. */
SysSeconds signer_now() {
    return at("2026-11-25T12:00:00Z");
}

SigningMaterial material() {
    SigningMaterial m;
    m.profiles = std::make_unique<ProfileSet>(ProfileSet::load(test::profiles_dir()));
    m.cas = std::make_unique<CaStore>();
    auto key = test::make_rsa();
    auto cert = test::make_ca_cert(
        key.get(), "Server 2026-1", at("2026-01-01T00:00:00Z"), at("2028-01-01T00:00:00Z"));
    m.cas->add("server_2026_1", std::move(cert), std::move(key));
    m.issuer = std::make_unique<Issuer>(*m.profiles, *m.cas);
    return m;
}

/** A server request that the issuer signs; with `unproven`, one it refuses (proof_missing). */
SignRequest server_request(bool unproven = false) {
    SignRequest r;
    r.set_csr(test::csr_fixture("ec256.der"));
    r.set_signature_type("sha256");
    r.set_profile("server");
    r.add_san(unproven ? "DNS,other.example.org" : "DNS,www.example.org");
    r.add_ava("CN,www.example.org");
    r.add_proof_line("2026-11-20T08:00:00Z,domains,17,name=www.example.org");
    return r;
}

Sha256Digest hash_of(const std::string& s) {
    // reinterpret_cast: the bytes of a char string
    return Sha256::digest({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

/** A signer over a fresh repository whose clock reads signer_now(). */
struct Signer {
    test::TempDir dir;
    Repository repo = Repository::open(dir.path().string());
    SigningService service{material(), repo, nullptr, CrlPolicy{}};

    Signer() {
        const auto sys_now =
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
        service.set_clock_offset_for_test(signer_now() - sys_now);
    }

    /**
     * Makes storing the request row of `request_id` fail, after its certificate row was
     * written: a trigger added through a second connection.
     */
    void fail_request_row(const std::string& request_id) const {
        auto db = sqlite::Database::open((dir.path() / Repository::database_file_name).string(),
                                         sqlite::OpenMode::read_write);
        db.exec("CREATE TRIGGER fail_one BEFORE INSERT ON requests WHEN NEW.request_id = '" +
                request_id + "' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
    }

    /** What another process sees: only what was committed. */
    [[nodiscard]] int64_t committed_certificates() const {
        auto reader = Repository::open_read_only(dir.path().string());
        return reader.lock().requests().count_certificates();
    }
};

std::string code_of(const Refusable<Services::Signed>& r) {
    return r.ok() ? "ok" : std::string(librecord::to_string(r.error().code));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(signing_service_batch)

BOOST_AUTO_TEST_CASE(a_refused_and_a_failing_job_do_not_undo_the_others) {
    Signer s;
    const SignRequest good = server_request();
    const SignRequest unproven = server_request(true);
    const std::string id1 = "cli:1";
    const std::string id2 = "cli:2";
    const std::string id3 = "cli:3";
    const std::string no_id;  // storing it breaks an invariant of the repository: throws
    const auto h1 = hash_of(id1);
    const auto h2 = hash_of(id2);
    const auto h3 = hash_of(id3);
    const std::vector<Services::SignJob> jobs{
        {id1, h1, good}, {id2, h2, unproven}, {no_id, h3, good}, {id3, h3, good}, {id1, h1, good}};
    const auto out = s.service.sign_batch(jobs);
    BOOST_REQUIRE(out.size() == jobs.size());
    BOOST_TEST(code_of(out[0]) == "ok");
    BOOST_TEST(code_of(out[1]) == "proof_missing");
    BOOST_TEST(code_of(out[2]) == "internal");
    BOOST_TEST(code_of(out[3]) == "ok");
    // The same id and request later in the batch: the first one's stored result (§6).
    BOOST_REQUIRE(out[4].ok());
    BOOST_TEST(out[4]->log == out[0]->log, boost::test_tools::per_element());
    BOOST_TEST(out[4]->issued == out[0]->issued, boost::test_tools::per_element());
    BOOST_TEST(s.committed_certificates() == 2);
    auto held = s.repo.lock();
    BOOST_TEST(held.requests().count_jobs() == 2);
    BOOST_TEST(held.requests().find(id1).has_value());
    BOOST_TEST(held.requests().find(id3).has_value());
    BOOST_TEST(!held.requests().find(id2).has_value());
    const auto verdict = held.audit().verify();
    BOOST_TEST(verdict.ok, verdict.reason);
}

BOOST_AUTO_TEST_CASE(the_batch_is_committed_before_the_after_commit_hook_runs) {
    Signer s;
    const SignRequest good = server_request();
    const std::string id1 = "cli:11";
    const std::string id2 = "cli:12";
    const auto h1 = hash_of(id1);
    const auto h2 = hash_of(id2);
    int hooks = 0;
    int64_t seen = -1;
    s.service.set_after_commit_hook_for_test([&] {
        ++hooks;
        seen = s.committed_certificates();
    });
    const std::vector<Services::SignJob> jobs{{id1, h1, good}, {id2, h2, good}};
    const auto out = s.service.sign_batch(jobs);
    BOOST_TEST(code_of(out[0]) == "ok");
    BOOST_TEST(code_of(out[1]) == "ok");
    BOOST_TEST(hooks == 1);  // one commit for the batch
    BOOST_TEST(seen == 2);
    // A repeated request signs nothing new: no commit of a certificate, no hook.
    const auto again = s.service.sign(id2, h2, good);
    BOOST_REQUIRE(again.ok());
    BOOST_TEST(again->log == out[1]->log, boost::test_tools::per_element());
    BOOST_TEST(hooks == 1);
}

BOOST_AUTO_TEST_CASE(a_known_id_with_another_request_is_a_mismatch_inside_a_batch) {
    Signer s;
    const SignRequest good = server_request();
    const std::string id = "cli:21";
    const auto h1 = hash_of("one");
    const auto h2 = hash_of("two");
    const std::vector<Services::SignJob> jobs{{id, h1, good}, {id, h2, good}};
    const auto out = s.service.sign_batch(jobs);
    BOOST_TEST(code_of(out[0]) == "ok");
    BOOST_TEST(code_of(out[1]) == "request_mismatch");
    BOOST_TEST(s.committed_certificates() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
