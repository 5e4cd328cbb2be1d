// Tests of the profile loader and the dated caps (conf/profiles, docs/profiles.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/profile.hpp"
#include "issuance_test_support.hpp"

#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>

#include <fstream>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file
using cassiopeia::server::test::at;
using cassiopeia::server::test::TempDir;

namespace {

std::filesystem::path write_profile(const TempDir& dir,
                                    const std::string& name,
                                    const std::string& text) {
    const auto p = dir.path() / (name + ".conf");
    std::ofstream(p) << text;
    return p;
}

const std::string minimal =
    "family = client\nkey_usage = digitalSignature\nhashes = sha256\ncap = 30d\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(profile)

BOOST_AUTO_TEST_CASE(loads_the_nine_shipped_profiles) {
    const auto set = ProfileSet::load(test::profiles_dir());
    BOOST_TEST(set.size() == 9U);
    for (const char* name : {"client",
                             "client-codesign",
                             "client-org",
                             "server",
                             "server-org",
                             "ocsp",
                             "timestamp",
                             "subca",
                             "openpgp"}) {
        BOOST_TEST(set.find(name) != nullptr, name);
    }
    const Profile* subca = set.find("subca");
    BOOST_TEST(subca->local_only);
    BOOST_TEST(subca->basic_constraints_ca);
    BOOST_TEST(subca->path_len == 0);
    const Profile* ocsp = set.find("ocsp");
    BOOST_TEST(ocsp->ocsp_nocheck);
    BOOST_TEST((ocsp->cap_at(at("2026-11-25T00:00:00Z")) == Period{30, Period::Unit::days}));
    BOOST_TEST(set.find("timestamp")->eku_critical);
}

BOOST_AUTO_TEST_CASE(server_caps_are_dated) {
    const auto set = ProfileSet::load(test::profiles_dir());
    const Profile* server = set.find("server");
    BOOST_REQUIRE(server != nullptr);
    BOOST_TEST((server->cap_at(at("2026-03-14T23:59:59Z")) == Period{398, Period::Unit::days}));
    BOOST_TEST((server->cap_at(at("2026-03-15T00:00:00Z")) == Period{200, Period::Unit::days}));
    BOOST_TEST((server->cap_at(at("2027-03-15T00:00:00Z")) == Period{100, Period::Unit::days}));
    BOOST_TEST((server->proof_age_at("domains", at("2027-06-01T00:00:00Z")) ==
                Period{100, Period::Unit::days}));
    BOOST_TEST(!server->proof_age_at("emails", at("2027-06-01T00:00:00Z")).has_value());
    BOOST_TEST(server->allows_san(SanType::dns));
    BOOST_TEST(!server->allows_san(SanType::email));
    BOOST_TEST((set.find("client")->proof_age_at("emails", at("2026-11-25T00:00:00Z")) ==
                Period{30, Period::Unit::days}));
}

BOOST_AUTO_TEST_CASE(refuses_unknown_keys_and_values) {
    const TempDir dir;
    BOOST_CHECK_NO_THROW((void)load_profile(write_profile(dir, "ok", minimal)));
    BOOST_CHECK_THROW((void)load_profile(write_profile(dir, "a", minimal + "colour = blue\n")),
                      cassiopeia::Error);
    BOOST_CHECK_THROW(
        (void)load_profile(write_profile(dir, "b", minimal + "extended_key_usage = anyEKU\n")),
        cassiopeia::Error);
    BOOST_CHECK_THROW(
        (void)load_profile(write_profile(
            dir, "c", "family = x\nkey_usage = digitalSignature\nhashes = md5\ncap = 1d\n")),
        cassiopeia::Error);
    BOOST_CHECK_THROW((void)load_profile(write_profile(
                          dir, "d", "family = x\nkey_usage = digitalSignature\nhashes = sha256\n")),
                      cassiopeia::Error);
    BOOST_CHECK_THROW(
        (void)load_profile(write_profile(dir, "e", minimal + "cap = 2026-02-30:10d\n")),
        cassiopeia::Error);
    BOOST_CHECK_THROW(
        (void)load_profile(write_profile(dir, "f", minimal + "basic_constraints_ca = true\n")),
        cassiopeia::Error);
    BOOST_CHECK_THROW(
        (void)load_profile(write_profile(dir, "g", minimal + "proof_age.phones = 1d\n")),
        cassiopeia::Error);
    BOOST_CHECK_THROW((void)load_profile(write_profile(dir, "h", minimal + "crl_url = ftp://x\n")),
                      cassiopeia::Error);
    BOOST_CHECK_THROW((void)load_profile(write_profile(dir, "Bad_Name", minimal)),
                      cassiopeia::Error);
    BOOST_CHECK_THROW((void)load_profile(dir.path() / "missing.conf"), cassiopeia::Error);
}

BOOST_AUTO_TEST_CASE(no_cap_before_the_first_date) {
    const TempDir dir;
    const auto p = load_profile(write_profile(
        dir,
        "late",
        "family = x\nkey_usage = digitalSignature\nhashes = sha256\ncap = 2030-01-01:10d\n"));
    BOOST_TEST(!p.cap_at(at("2029-12-31T23:59:59Z")).has_value());
    BOOST_TEST(p.cap_at(at("2030-01-01T00:00:00Z")).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
