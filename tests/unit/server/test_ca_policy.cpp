// Tests of the line policy over the CAs: roots, pathLen, local-only families, the configured
// root and the link CA are withheld from the line (docs/key-ceremony.md, docs/protocol.md §3).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/builder.hpp"
#include "issuance/ca_policy.hpp"
#include "issuance_test_support.hpp"

#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file
namespace ossl = cassiopeia::ossl;
using cassiopeia::server::test::at;

namespace {

const SysSeconds now = at("2026-11-25T12:00:00Z");
const SysSeconds from = at("2026-01-01T00:00:00Z");
const SysSeconds until = at("2028-01-01T00:00:00Z");

/** Adds a time CA made by make_ca_cert with `basic_constraints`; returns its certificate. */
ossl::X509Ptr add_ca(CaStore& cas,
                     const std::string& name,
                     const char* basic_constraints = "critical,CA:TRUE,pathlen:0") {
    auto key = test::make_ec();
    auto cert = test::make_ca_cert(key.get(), name, from, until, basic_constraints);
    auto shared = ossl::share(cert.get());
    cas.add(name, std::move(cert), std::move(key));
    return shared;
}

/** Adds a self-signed root-like CA under a time CA name. */
void add_root_like(CaStore& cas, const std::string& name) {
    auto key = test::make_ec();
    auto cert = test::make_root_cert(key.get(), name, from, until);
    cas.add(name, std::move(cert), std::move(key));
}

SignRequest ocsp_request(const std::string& target) {
    SignRequest r;
    r.set_csr(test::csr_fixture("ec256.der"));
    r.set_signature_type("sha256");
    r.set_ocsp_target_ca(target);
    r.add_ava("CN,OCSP " + target);
    r.add_proof_line("2026-11-20T00:00:00Z,names,4,name=OCSP " + target);
    return r;
}

std::string code_of(const Refusable<IssuedCertificate>& o) {
    return o.ok() ? "ok" : std::string(librecord::to_string(o.error().code));
}

const ProfileSet& profiles() {
    static const ProfileSet set = ProfileSet::load(test::profiles_dir());
    return set;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ca_policy)

BOOST_AUTO_TEST_CASE(a_self_signed_ca_is_never_served_on_the_line) {
    CaStore cas;
    add_ca(cas, "server_2026_1");
    add_root_like(cas, "server_2026_7");  // the newest name: picked by name alone
    Issuer issuer{profiles(), cas};
    std::vector<std::string> log;
    BOOST_TEST(code_of(issuer.issue(ocsp_request("server_2026_7"), now, log)) == "unknown_ca");
    const auto good = issuer.issue(ocsp_request("server_2026_1"), now, log);
    BOOST_TEST(code_of(good) == "ok");
    BOOST_REQUIRE(cas.pick("server", now) != nullptr);
    BOOST_TEST(cas.pick("server", now)->name == "server_2026_1");
    BOOST_TEST(cas.find_served("server_2026_7") == nullptr);
    BOOST_TEST(cas.find("server_2026_7") != nullptr);  // loaded, for the local commands
    BOOST_TEST(cas.withheld_report().size() == 1U);
}

BOOST_AUTO_TEST_CASE(a_time_ca_has_path_len_zero) {
    CaStore cas;
    add_ca(cas, "client_2026_1");
    add_ca(cas, "client_2026_2", "critical,CA:TRUE");
    add_ca(cas, "client_2026_3", "critical,CA:TRUE,pathlen:1");
    BOOST_TEST(cas.find_served("client_2026_1") != nullptr);
    BOOST_TEST(cas.find_served("client_2026_2") == nullptr);
    BOOST_TEST(cas.find_served("client_2026_3") == nullptr);
    BOOST_TEST(cas.pick("client", now)->name == "client_2026_1");
    Issuer issuer{profiles(), cas};
    std::vector<std::string> log;
    BOOST_TEST(code_of(issuer.issue(ocsp_request("client_2026_3"), now, log)) == "unknown_ca");
    BOOST_TEST(cas.withheld_report().size() == 2U);
}

BOOST_AUTO_TEST_CASE(a_local_only_family_and_the_root_are_withheld) {
    const test::TempDir dir;
    const auto root_file = dir.path() / "root.pem";
    test::write_pem_cert(root_file, test::test_root().cert.get());
    const auto link_file = dir.path() / "link.pem";
    auto link_key = test::make_ec();
    test::write_pem_cert(link_file,
                         test::make_root_cert(link_key.get(), "Link CA", from, until).get());

    CaStore cas;
    add_ca(cas, "server_2026_1");
    add_ca(cas, "root_2026_1");  // the family of the local-only subca profile
    // The root's own key under a time CA's certificate.
    auto root_key = ossl::share(test::test_root().key.get());
    cas.add("timestamp_2026_1",
            test::make_ca_cert(root_key.get(), "TSA", from, until),
            ossl::share(test::test_root().key.get()));
    const auto faults = apply_line_policy(cas, profiles(), root_file.string(), link_file.string());
    BOOST_TEST(faults.size() == 2U);
    BOOST_TEST(cas.find_served("server_2026_1") != nullptr);
    BOOST_TEST(cas.find_served("root_2026_1") == nullptr);
    BOOST_TEST(cas.find_served("timestamp_2026_1") == nullptr);
    BOOST_TEST(cas.pick("timestamp", now) == nullptr);
    Issuer issuer{profiles(), cas};
    std::vector<std::string> log;
    BOOST_TEST(code_of(issuer.issue(ocsp_request("root_2026_1"), now, log)) == "unknown_ca");
    BOOST_TEST(code_of(issuer.issue(ocsp_request("timestamp_2026_1"), now, log)) == "unknown_ca");
    // Without a configured root only the family rule applies.
    CaStore again;
    add_ca(again, "root_2026_1");
    BOOST_TEST(apply_line_policy(again, profiles(), "", "").size() == 1U);
    BOOST_CHECK_THROW(
        (void)apply_line_policy(again, profiles(), (dir.path() / "none").string(), ""),
        cassiopeia::Error);
}

BOOST_AUTO_TEST_CASE(the_link_ca_is_never_an_issuing_ca) {
    const test::TempDir dir;
    CaStore cas;
    const auto issuing = add_ca(cas, "server_2026_1");
    add_ca(cas, "client_2026_1");
    // A link CA file with two certificates, the second an issuing CA.
    const auto link_file = dir.path() / "link.pem";
    auto link_key = test::make_ec();
    auto link_ca = test::make_root_cert(link_key.get(), "Link CA", from, until);
    {
        const ossl::BioPtr bio{::BIO_new_file(link_file.c_str(), "w")};
        BOOST_REQUIRE(bio != nullptr);
        BOOST_REQUIRE(::PEM_write_bio_X509(bio.get(), link_ca.get()) == 1);
        BOOST_REQUIRE(::PEM_write_bio_X509(bio.get(), issuing.get()) == 1);
    }
    const auto faults = apply_line_policy(cas, profiles(), "", link_file.string());
    BOOST_REQUIRE(faults.size() == 1U);
    BOOST_TEST(cas.find_served("server_2026_1") == nullptr);
    BOOST_TEST(cas.find_served("client_2026_1") != nullptr);

    // The link CA is the root.
    CaStore clean;
    add_ca(clean, "client_2026_1");
    const auto root_file = dir.path() / "root.pem";
    test::write_pem_cert(root_file, link_ca.get());
    BOOST_TEST(
        apply_line_policy(clean, profiles(), root_file.string(), root_file.string()).size() == 1U);
}

BOOST_AUTO_TEST_CASE(proper_time_cas_have_no_faults) {
    const test::TempDir dir;
    const auto root_file = dir.path() / "root.pem";
    test::write_pem_cert(root_file, test::test_root().cert.get());
    const auto link_file = dir.path() / "link.pem";
    auto link_key = test::make_ec();
    test::write_pem_cert(link_file,
                         test::make_root_cert(link_key.get(), "Link CA", from, until).get());
    CaStore cas;
    add_ca(cas, "server_2026_1");
    add_ca(cas, "client_2026_1");
    BOOST_TEST(apply_line_policy(cas, profiles(), root_file.string(), link_file.string()).empty());
    BOOST_TEST(cas.find_served("server_2026_1") != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
