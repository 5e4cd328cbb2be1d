// Tests of the client's CRL rebuild, verification and store, and of the RevokedDelta codec,
// on fixtures the signer's sign_crl wrote (tests/data/crl/README).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "crl/crl.hpp"
#include "crl/crl_store.hpp"
#include "temp_dir.hpp"

#include <librecord/errors.hpp>
#include <librecord/revoked_delta.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace cc = cassiopeia::client::crl;
namespace lc = librecord::crl;

namespace {

using Bytes = std::vector<uint8_t>;

Bytes fixture(const std::string& name) {
    const auto p = std::filesystem::path{CASS_SOURCE_DIR} / "tests/data/crl" / name;
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + p.string());
    }
    return Bytes{std::istreambuf_iterator<char>(in), {}};
}

lc::RevokedDelta delta(const std::string& name) {
    auto d = lc::decode(fixture(name));
    BOOST_TEST_REQUIRE(d.ok());
    return std::move(d).value();
}

using TempDir = cassiopeia::test::TempDir;

}  // namespace

BOOST_AUTO_TEST_SUITE(crl_delta)

BOOST_AUTO_TEST_CASE(rebuilds_signer_crls_byte_for_byte) {
    for (const std::string prefix : {"rsa", "ec"}) {
        const int last = prefix == "rsa" ? 3 : 2;
        for (int n = 2; n <= last; ++n) {
            const auto copy = fixture(prefix + "-crl-" + std::to_string(n - 1) + ".der");
            const auto expected = fixture(prefix + "-crl-" + std::to_string(n) + ".der");
            const auto d = delta(prefix + "-delta-" + std::to_string(n) + ".der");
            const auto rebuilt = cc::apply_delta(copy, d);
            BOOST_TEST_REQUIRE(rebuilt.has_value(), prefix << " CRL " << n);
            BOOST_TEST(*rebuilt == expected, boost::test_tools::per_element());
            BOOST_TEST(cc::verify_crl(*rebuilt, fixture(prefix + "-ca.pem")));
            BOOST_TEST(cc::matches_delta(*rebuilt, d));
        }
    }
}

BOOST_AUTO_TEST_CASE(verifies_with_the_right_ca_only) {
    const auto crl = fixture("rsa-crl-2.der");
    BOOST_TEST(cc::verify_crl(crl, fixture("rsa-ca.pem")));
    BOOST_TEST(!cc::verify_crl(crl, fixture("rsa-twin-ca.pem")));  // same subject, other key
    BOOST_TEST(!cc::verify_crl(crl, fixture("ec-ca.pem")));
    BOOST_TEST(!cc::verify_crl(fixture("ec-crl-2.der"), fixture("rsa-ca.pem")));
    auto trailing = crl;
    trailing.push_back(0);
    BOOST_TEST(!cc::verify_crl(trailing, fixture("rsa-ca.pem")));
    auto flipped = crl;
    flipped.back() ^= 0x01U;
    BOOST_TEST(!cc::verify_crl(flipped, fixture("rsa-ca.pem")));
    BOOST_TEST(!cc::verify_crl(Bytes{}, fixture("rsa-ca.pem")));
    BOOST_TEST(!cc::verify_crl(crl, Bytes{0x30, 0x00}));
}

BOOST_AUTO_TEST_CASE(tampered_copy_gives_a_crl_that_fails_verification) {
    auto copy = fixture("rsa-crl-2.der");
    // Serial 0x1001 on CRL 2 (tag 02, length 02, 10 01) becomes 0x1002.
    const Bytes needle{0x02, 0x02, 0x10, 0x01};
    auto it = std::search(copy.begin(), copy.end(), needle.begin(), needle.end());
    BOOST_TEST_REQUIRE((it != copy.end()));
    *(it + 3) = 0x02;
    const auto rebuilt = cc::apply_delta(copy, delta("rsa-delta-3.der"));
    BOOST_TEST_REQUIRE(rebuilt.has_value());
    BOOST_TEST(!cc::verify_crl(*rebuilt, fixture("rsa-ca.pem")));
}

BOOST_AUTO_TEST_CASE(asks_for_a_full_fetch_when_the_delta_does_not_apply) {
    // Numbering gap: the delta 2 -> 3 on copy 1, and a delta onto its own CRL.
    BOOST_TEST(!cc::apply_delta(fixture("rsa-crl-1.der"), delta("rsa-delta-3.der")).has_value());
    BOOST_TEST(!cc::apply_delta(fixture("rsa-crl-3.der"), delta("rsa-delta-3.der")).has_value());
    // The signature algorithm differs (RSA copy, ECDSA delta).
    auto other_alg = delta("rsa-delta-2.der");
    other_alg.signature_algorithm = delta("ec-delta-2.der").signature_algorithm;
    BOOST_TEST(!cc::apply_delta(fixture("rsa-crl-1.der"), other_alg).has_value());
    // The last entries dropped: CRL 4 is empty and must be fetched whole.
    BOOST_TEST(!cc::apply_delta(fixture("rsa-crl-3.der"), delta("rsa-delta-4.der")).has_value());
    // A dropped serial that is not on the copy, an added one that already is.
    auto bad_drop = delta("rsa-delta-3.der");
    bad_drop.dropped.push_back({0x77});
    BOOST_TEST(!cc::apply_delta(fixture("rsa-crl-2.der"), bad_drop).has_value());
    auto bad_add = delta("rsa-delta-3.der");
    bad_add.added.push_back(delta("rsa-delta-2.der").added[1]);
    BOOST_TEST(!cc::apply_delta(fixture("rsa-crl-2.der"), bad_add).has_value());
    // Not a CRL at all.
    BOOST_TEST(!cc::apply_delta(Bytes{0x30, 0x00}, delta("rsa-delta-2.der")).has_value());
}

BOOST_AUTO_TEST_CASE(matches_delta_only_for_its_own_crl) {
    BOOST_TEST(cc::matches_delta(fixture("rsa-crl-3.der"), delta("rsa-delta-3.der")));
    BOOST_TEST(!cc::matches_delta(fixture("rsa-crl-2.der"), delta("rsa-delta-3.der")));
    BOOST_TEST(cc::matches_delta(fixture("rsa-crl-4.der"), delta("rsa-delta-4.der")));
}

BOOST_AUTO_TEST_CASE(reports_number_times_and_entries) {
    const auto crl3 = fixture("rsa-crl-3.der");
    BOOST_TEST(cc::crl_number(crl3).value_or(-1) == 3);
    BOOST_TEST(cc::crl_entries(crl3).value_or(99) == 3U);
    BOOST_TEST(cc::crl_this_update(crl3).value_or("") == "2026-01-03T00:00:00Z");
    BOOST_TEST(cc::crl_next_update(crl3).value_or("") == "2050-01-02T00:00:00Z");
    BOOST_TEST(cc::crl_entries(fixture("rsa-crl-1.der")).value_or(99) == 0U);
    BOOST_TEST(!cc::crl_number(Bytes{0x01}).has_value());
    BOOST_TEST(!cc::crl_entries(Bytes{}).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(revoked_delta_codec)

BOOST_AUTO_TEST_CASE(decodes_and_reencodes_identically) {
    for (const char* name : {"rsa-delta-1.der",
                             "rsa-delta-2.der",
                             "rsa-delta-3.der",
                             "rsa-delta-4.der",
                             "ec-delta-1.der",
                             "ec-delta-2.der"}) {
        const auto der = fixture(name);
        const auto d = lc::decode(der);
        BOOST_TEST_REQUIRE(d.ok(), name);
        const auto again = lc::encode(*d);
        BOOST_TEST_REQUIRE(again.ok());
        BOOST_TEST(*again == der, boost::test_tools::per_element());
    }
    const auto d2 = delta("rsa-delta-2.der");
    BOOST_TEST(d2.crl_number == 2);
    BOOST_TEST(d2.added.size() == 3U);
    BOOST_TEST(!d2.added[0].reason.has_value());
    BOOST_TEST(d2.added[1].reason.value_or(-1) == 1);
    BOOST_TEST(d2.added[2].reason.value_or(-1) == 4);
}

BOOST_AUTO_TEST_CASE(rejects_truncation_at_every_offset) {
    const auto der = fixture("rsa-delta-3.der");
    for (size_t n = 0; n < der.size(); ++n) {
        const auto r = lc::decode(std::span<const uint8_t>(der).first(n));
        BOOST_TEST(!r.ok(), "prefix of " << n << " bytes accepted");
    }
}

BOOST_AUTO_TEST_CASE(rejects_trailing_bytes) {
    auto der = fixture("rsa-delta-2.der");
    der.push_back(0x00);
    const auto r = lc::decode(der);
    BOOST_TEST(r.error() == make_error_code(lc::DeltaErrc::trailing_bytes));
}

BOOST_AUTO_TEST_CASE(rejects_wrong_tags_and_ber) {
    const auto der = fixture("rsa-delta-2.der");
    auto outer = der;
    outer[0] = 0x31;  // SET instead of SEQUENCE
    BOOST_TEST(lc::decode(outer).error() == make_error_code(lc::DeltaErrc::not_der));
    // crlNumber: the first field after the outer header (30 82 hi lo).
    BOOST_TEST_REQUIRE(der[1] == 0x82);
    auto number = der;
    number[4] = 0x04;  // OCTET STRING instead of INTEGER
    BOOST_TEST(!lc::decode(number).ok());
    // BER, not DER: the outer length in the long form with one byte more.
    Bytes ber{0x30, 0x83, 0x00, der[2], der[3]};
    ber.insert(ber.end(), der.begin() + 4, der.end());
    BOOST_TEST(lc::decode(ber).error() == make_error_code(lc::DeltaErrc::not_der));
    BOOST_TEST(lc::decode(Bytes{}).error() == make_error_code(lc::DeltaErrc::not_der));
}

BOOST_AUTO_TEST_CASE(encoder_refuses_fields_out_of_range) {
    const auto good = delta("rsa-delta-2.der");
    auto zero = good;
    zero.crl_number = 0;
    BOOST_TEST(lc::encode(zero).error() == make_error_code(lc::DeltaErrc::bad_field));
    auto lead = good;
    lead.dropped.push_back({0x00, 0x01});  // not minimal
    BOOST_TEST(!lc::encode(lead).ok());
    auto big = good;
    big.dropped.push_back(Bytes(21, 0x01));  // over 20 octets
    BOOST_TEST(!lc::encode(big).ok());
    auto reason = good;
    reason.added[0].reason = 7;  // unused in RFC 5280
    BOOST_TEST(!lc::encode(reason).ok());
    auto time = good;
    time.this_update = {0x17, 0x01, 0x30};
    BOOST_TEST(!lc::encode(time).ok());
    auto alg = good;
    alg.signature_algorithm.push_back(0x00);
    BOOST_TEST(!lc::encode(alg).ok());
    auto sig = good;
    sig.signature.clear();
    BOOST_TEST(!lc::encode(sig).ok());
}

BOOST_AUTO_TEST_CASE(decoder_refuses_negative_serials_and_bad_times) {
    auto d = delta("rsa-delta-3.der");
    // Build valid DER by hand with a negative dropped serial: replace 02 01 0A by 02 01 8A.
    auto der = fixture("rsa-delta-3.der");
    const Bytes needle{0x02, 0x01, 0x0A};
    auto it = std::search(der.begin(), der.end(), needle.begin(), needle.end());
    BOOST_TEST_REQUIRE((it != der.end()));
    *(it + 2) = 0x8A;
    BOOST_TEST(lc::decode(der).error() == make_error_code(lc::DeltaErrc::bad_field));
    // A UTCTime with fractional form is refused: change the 'Z' of thisUpdate to '+'.
    auto t = fixture("rsa-delta-3.der");
    const Bytes utc{0x17, 0x0D};
    auto ut = std::search(t.begin(), t.end(), utc.begin(), utc.end());
    BOOST_TEST_REQUIRE((ut != t.end()));
    *(ut + 14) = '+';
    BOOST_TEST(!lc::decode(t).ok());
    (void)d;
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(crl_store)

BOOST_AUTO_TEST_CASE(writes_atomically_and_reads_back) {
    const TempDir dir;
    const cc::CrlStore store{dir.path()};
    BOOST_TEST(!store.read("server_2026_1").has_value());
    const auto crl2 = fixture("rsa-crl-2.der");
    store.write("server_2026_1", crl2);
    BOOST_TEST(store.read("server_2026_1").value() == crl2, boost::test_tools::per_element());
    const auto crl3 = fixture("rsa-crl-3.der");
    store.write("server_2026_1", crl3);
    BOOST_TEST(store.read("server_2026_1").value() == crl3, boost::test_tools::per_element());
    size_t files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
        (void)e;
        ++files;
    }
    BOOST_TEST(files == 1U);  // no temp file left behind
}

BOOST_AUTO_TEST_CASE(refuses_names_that_are_not_ca_names) {
    const TempDir dir;
    const cc::CrlStore store{dir.path()};
    BOOST_CHECK_THROW((void)store.read("../etc"), cassiopeia::Error);
    BOOST_CHECK_THROW(store.write("a/b", Bytes{0x30, 0x00}), cassiopeia::Error);
    BOOST_CHECK_THROW((void)store.read(""), cassiopeia::Error);
    BOOST_TEST(cc::CrlStore::valid_ca_name("client_2026_1"));
}

BOOST_AUTO_TEST_CASE(write_into_a_missing_folder_throws) {
    const cc::CrlStore store{"/nonexistent/cassiopeia-crl"};
    BOOST_CHECK_THROW(store.write("server_2026_1", Bytes{0x30, 0x00}), cassiopeia::Error);
}

BOOST_AUTO_TEST_SUITE_END()
