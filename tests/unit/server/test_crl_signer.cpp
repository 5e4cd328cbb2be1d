// Tests of the canonical CRL signer and its RevokedDelta (docs/protocol.md §5.6, docs/crl.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "crl/crl_signer.hpp"
#include "issuance_test_support.hpp"

#include <librecord/errors.hpp>
#include <librecord/revoked_delta.hpp>

#include <boost/test/unit_test.hpp>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace cs = cassiopeia::server;
namespace lc = librecord::crl;
using cs::test::at;

namespace {

using X509CrlPtr = std::unique_ptr<X509_CRL, cassiopeia::ossl::CFree<&::X509_CRL_free>>;

cs::TimeCa make_ca(const std::string& name, bool ec = false) {
    auto key = ec ? cs::test::make_ec() : cs::test::make_rsa();
    auto cert = cs::test::make_ca_cert(
        key.get(), "CRL Test " + name, at("2025-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z"));
    cs::TimeCa ca;
    ca.name = name;
    ca.parts = *cs::parse_time_ca_name(name);
    ca.cert = std::move(cert);
    ca.key = std::move(key);
    ca.not_before = at("2025-01-01T00:00:00Z");
    ca.not_after = at("2030-01-01T00:00:00Z");
    return ca;
}

cs::RevocationEntry entry(const char* serial, const char* when, const char* reason = nullptr) {
    cs::RevocationEntry e;
    e.serial = serial;
    e.revoked_at = at(when);
    if (reason != nullptr) {
        e.reason = reason;
    }
    return e;
}

X509CrlPtr parse(const std::vector<uint8_t>& der) {
    const unsigned char* p = der.data();
    X509CrlPtr crl{::d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size()))};
    BOOST_TEST_REQUIRE(crl != nullptr);
    BOOST_TEST_REQUIRE(p == der.data() + der.size());
    return crl;
}

std::vector<uint8_t> der_of_time(const ASN1_TIME* t) {
    unsigned char* out = nullptr;
    const int len = ::i2d_ASN1_TIME(t, &out);
    std::vector<uint8_t> v(out, out + len);
    ::OPENSSL_free(out);
    return v;
}

std::vector<uint8_t> der_of_name(const X509_NAME* n) {
    unsigned char* out = nullptr;
    const int len = ::i2d_X509_NAME(n, &out);
    std::vector<uint8_t> v(out, out + len);
    ::OPENSSL_free(out);
    return v;
}

std::string serial_hex(const ASN1_INTEGER* i) {
    const cassiopeia::ossl::BignumPtr bn{::ASN1_INTEGER_to_BN(i, nullptr)};
    char* hex = ::BN_bn2hex(bn.get());
    std::string s{hex};
    ::OPENSSL_free(hex);
    return s;
}

/// The sequence of inputs that the fixtures and several tests use (RSA CA).
std::vector<cs::CrlInput> crl_series(const std::string& ca) {
    std::vector<cs::CrlInput> v(4);
    v[0].ca = ca;
    v[0].crl_number = 1;
    v[0].this_update = at("2026-01-01T00:00:00Z");
    v[0].next_update = at("2026-01-31T00:00:00Z");

    const auto e0a = entry("0A", "2026-01-02T00:00:00Z");
    const auto e1001 = entry("1001", "2026-01-02T00:00:00Z", "keyCompromise");
    const auto ebig =
        entry("8A3F00112233445566778899AABBCCDDEEFF0011", "2026-01-02T00:00:00Z", "superseded");
    const auto eff = entry("FF", "2026-01-03T00:00:00Z", "privilegeWithdrawn");
    v[1].ca = ca;
    v[1].crl_number = 2;
    v[1].this_update = at("2026-01-02T00:00:00Z");
    v[1].next_update = at("2026-02-01T00:00:00Z");
    v[1].entries = {e0a, e1001, ebig};
    v[1].added = v[1].entries;

    v[2].ca = ca;
    v[2].crl_number = 3;
    v[2].this_update = at("2026-01-03T00:00:00Z");
    v[2].next_update = at("2050-01-02T00:00:00Z");  // GeneralizedTime from 2050
    v[2].entries = {eff, e1001, ebig};              // given unsorted: the signer sorts
    v[2].added = {eff};
    v[2].dropped = {"0A"};

    v[3].ca = ca;
    v[3].crl_number = 4;
    v[3].this_update = at("2026-01-04T00:00:00Z");
    v[3].next_update = at("2026-02-03T00:00:00Z");
    v[3].dropped = {"FF", "1001", "8A3F00112233445566778899AABBCCDDEEFF0011"};
    return v;
}

void write_file(const std::filesystem::path& p, const std::vector<uint8_t>& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    BOOST_TEST_REQUIRE(out.good());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(crl_signer)

BOOST_AUTO_TEST_CASE(signs_empty_crl_one_canonically) {
    const auto ca = make_ca("server_2026_1");
    const auto in = crl_series(ca.name)[0];
    const auto out = cs::sign_crl(ca, in);
    BOOST_TEST(cs::lint_crl(out.crl_der, ca.cert.get()) == "");

    const auto crl = parse(out.crl_der);
    BOOST_TEST(::X509_CRL_get_version(crl.get()) == 1);
    BOOST_TEST(::X509_CRL_get_REVOKED(crl.get()) == nullptr);  // field absent, not empty
    BOOST_TEST(der_of_name(::X509_CRL_get_issuer(crl.get())) ==
                   der_of_name(::X509_get_subject_name(ca.cert.get())),
               boost::test_tools::per_element());
    BOOST_TEST(::ASN1_STRING_type(::X509_CRL_get0_lastUpdate(crl.get())) == V_ASN1_UTCTIME);
    BOOST_TEST(::ASN1_STRING_type(::X509_CRL_get0_nextUpdate(crl.get())) == V_ASN1_UTCTIME);
    BOOST_TEST_REQUIRE(::X509_CRL_get_ext_count(crl.get()) == 2);
    X509_EXTENSION* e0 = ::X509_CRL_get_ext(crl.get(), 0);
    X509_EXTENSION* e1 = ::X509_CRL_get_ext(crl.get(), 1);
    BOOST_TEST(::OBJ_obj2nid(::X509_EXTENSION_get_object(e0)) == NID_authority_key_identifier);
    BOOST_TEST(::OBJ_obj2nid(::X509_EXTENSION_get_object(e1)) == NID_crl_number);
    BOOST_TEST(::X509_EXTENSION_get_critical(e0) == 0);
    BOOST_TEST(::X509_EXTENSION_get_critical(e1) == 0);
    const cassiopeia::ossl::AuthorityKeyIdPtr akid{
        static_cast<AUTHORITY_KEYID*>(::X509V3_EXT_d2i(e0))};
    BOOST_TEST_REQUIRE(akid != nullptr);
    BOOST_TEST(akid->issuer == nullptr);
    BOOST_TEST(akid->serial == nullptr);
    BOOST_TEST(::ASN1_OCTET_STRING_cmp(akid->keyid, ::X509_get0_subject_key_id(ca.cert.get())) ==
               0);
    const cassiopeia::ossl::Asn1IntegerPtr number{static_cast<ASN1_INTEGER*>(::X509V3_EXT_d2i(e1))};
    BOOST_TEST(::ASN1_INTEGER_get(number.get()) == 1);
    BOOST_TEST(::X509_CRL_verify(crl.get(), ::X509_get0_pubkey(ca.cert.get())) == 1);

    const auto delta = lc::decode(out.delta_der);
    BOOST_TEST_REQUIRE(delta.ok());
    BOOST_TEST(delta->crl_number == 1);
    BOOST_TEST(delta->added.empty());
    BOOST_TEST(delta->dropped.empty());
    BOOST_TEST(delta->this_update == der_of_time(::X509_CRL_get0_lastUpdate(crl.get())),
               boost::test_tools::per_element());
    BOOST_TEST(delta->next_update == der_of_time(::X509_CRL_get0_nextUpdate(crl.get())),
               boost::test_tools::per_element());
    const ASN1_BIT_STRING* sig = nullptr;
    const X509_ALGOR* alg = nullptr;
    ::X509_CRL_get0_signature(crl.get(), &sig, &alg);
    const std::vector<uint8_t> sig_bytes(::ASN1_STRING_get0_data(sig),
                                         ::ASN1_STRING_get0_data(sig) + ::ASN1_STRING_length(sig));
    BOOST_TEST(delta->signature == sig_bytes, boost::test_tools::per_element());
    BOOST_TEST(::OBJ_obj2nid(alg->algorithm) == NID_sha256WithRSAEncryption);
}

BOOST_AUTO_TEST_CASE(signs_entries_sorted_with_reasons_and_drops) {
    const auto ca = make_ca("server_2026_1");
    const auto series = crl_series(ca.name);
    const auto out2 = cs::sign_crl(ca, series[1]);
    const auto out3 = cs::sign_crl(ca, series[2]);
    BOOST_TEST(cs::lint_crl(out2.crl_der, ca.cert.get()) == "");
    BOOST_TEST(cs::lint_crl(out3.crl_der, ca.cert.get()) == "");

    const auto crl3 = parse(out3.crl_der);
    STACK_OF(X509_REVOKED)* revoked = ::X509_CRL_get_REVOKED(crl3.get());
    BOOST_TEST_REQUIRE(sk_X509_REVOKED_num(revoked) == 3);
    const std::vector<std::string> expected{
        "FF", "1001", "8A3F00112233445566778899AABBCCDDEEFF0011"};
    const std::vector<int> reasons{9, 1, 4};
    for (int i = 0; i < 3; ++i) {
        const X509_REVOKED* rev = sk_X509_REVOKED_value(revoked, i);
        BOOST_TEST(serial_hex(::X509_REVOKED_get0_serialNumber(rev)) ==
                   expected[static_cast<size_t>(i)]);
        BOOST_TEST_REQUIRE(::X509_REVOKED_get_ext_count(rev) == 1);
        X509_EXTENSION* ext = ::X509_REVOKED_get_ext(rev, 0);
        BOOST_TEST(::OBJ_obj2nid(::X509_EXTENSION_get_object(ext)) == NID_crl_reason);
        BOOST_TEST(::X509_EXTENSION_get_critical(ext) == 0);
        int crit = -1;
        ASN1_ENUMERATED* r = static_cast<ASN1_ENUMERATED*>(
            ::X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, &crit, nullptr));
        BOOST_TEST(::ASN1_ENUMERATED_get(r) == reasons[static_cast<size_t>(i)]);
        ::ASN1_ENUMERATED_free(r);
    }
    // thisUpdate UTCTime, nextUpdate in 2050 GeneralizedTime (RFC 5280 §5.1.2.4/5).
    BOOST_TEST(::ASN1_STRING_type(::X509_CRL_get0_lastUpdate(crl3.get())) == V_ASN1_UTCTIME);
    BOOST_TEST(::ASN1_STRING_type(::X509_CRL_get0_nextUpdate(crl3.get())) ==
               V_ASN1_GENERALIZEDTIME);

    // The entry with no reason has no extension at all (CA/B Forum BR §7.2.2).
    const auto crl2 = parse(out2.crl_der);
    const X509_REVOKED* first = sk_X509_REVOKED_value(::X509_CRL_get_REVOKED(crl2.get()), 0);
    BOOST_TEST(serial_hex(::X509_REVOKED_get0_serialNumber(first)) == "0A");
    BOOST_TEST(::X509_REVOKED_get_ext_count(first) == 0);

    const auto delta3 = lc::decode(out3.delta_der);
    BOOST_TEST_REQUIRE(delta3.ok());
    BOOST_TEST(delta3->crl_number == 3);
    BOOST_TEST_REQUIRE(delta3->added.size() == 1U);
    BOOST_TEST(delta3->added[0].serial == std::vector<uint8_t>{0xFF},
               boost::test_tools::per_element());
    BOOST_TEST(delta3->added[0].reason.value_or(-1) == 9);
    BOOST_TEST(delta3->added[0].revocation_date ==
                   der_of_time(::X509_REVOKED_get0_revocationDate(
                       sk_X509_REVOKED_value(::X509_CRL_get_REVOKED(crl3.get()), 0))),
               boost::test_tools::per_element());
    BOOST_TEST_REQUIRE(delta3->dropped.size() == 1U);
    BOOST_TEST(delta3->dropped[0] == std::vector<uint8_t>{0x0A}, boost::test_tools::per_element());
    const auto delta2 = lc::decode(out2.delta_der);
    BOOST_TEST_REQUIRE(delta2.ok());
    BOOST_TEST_REQUIRE(delta2->added.size() == 3U);
    BOOST_TEST(!delta2->added[0].reason.has_value());
    BOOST_TEST(delta2->added[2].serial.size() == 20U);
}

BOOST_AUTO_TEST_CASE(signs_with_ecdsa_keys) {
    const auto ca = make_ca("client_2026_1", true);
    const auto series = crl_series(ca.name);
    const auto out = cs::sign_crl(ca, series[1]);
    BOOST_TEST(cs::lint_crl(out.crl_der, ca.cert.get()) == "");
    const auto crl = parse(out.crl_der);
    BOOST_TEST(::X509_CRL_get_signature_nid(crl.get()) == NID_ecdsa_with_SHA256);
}

BOOST_AUTO_TEST_CASE(openssl_cli_verifies_the_crl) {
    const auto ca = make_ca("server_2026_1");
    const auto out = cs::sign_crl(ca, crl_series(ca.name)[1]);
    const cs::test::TempDir dir;
    cs::test::write_pem_cert(dir.path() / "ca.pem", ca.cert.get());
    write_file(dir.path() / "crl.der", out.crl_der);
    const std::string cmd = "openssl crl -inform DER -in '" + (dir.path() / "crl.der").string() +
                            "' -CAfile '" + (dir.path() / "ca.pem").string() +
                            "' -noout >/dev/null 2>&1";
    BOOST_TEST(std::system(cmd.c_str()) == 0);
    const auto other = make_ca("server_2026_2");
    cs::test::write_pem_cert(dir.path() / "other.pem", other.cert.get());
    const std::string bad = "openssl crl -inform DER -in '" + (dir.path() / "crl.der").string() +
                            "' -CAfile '" + (dir.path() / "other.pem").string() +
                            "' -noout >/dev/null 2>&1";
    BOOST_TEST(std::system(bad.c_str()) != 0);
}

BOOST_AUTO_TEST_CASE(lint_finds_tampering_and_the_wrong_ca) {
    const auto ca = make_ca("server_2026_1");
    const auto out = cs::sign_crl(ca, crl_series(ca.name)[1]);
    auto tampered = out.crl_der;
    tampered[tampered.size() - 1] ^= 0x01U;  // last signature byte
    BOOST_TEST(cs::lint_crl(tampered, ca.cert.get()) ==
               "signature does not verify with the CA certificate");
    auto trailing = out.crl_der;
    trailing.push_back(0);
    BOOST_TEST(cs::lint_crl(trailing, ca.cert.get()) == "not one DER CRL");
    const auto other = make_ca("server_2026_2");
    BOOST_TEST(cs::lint_crl(out.crl_der, other.cert.get()) ==
               "issuer is not the CA subject byte for byte");
}

BOOST_AUTO_TEST_CASE(refuses_input_that_is_not_canonical) {
    const auto ca = make_ca("server_2026_1");
    auto series = crl_series(ca.name);
    auto bad_reason = series[1];
    bad_reason.entries[0].reason = "unspecified";
    BOOST_CHECK_THROW((void)cs::sign_crl(ca, bad_reason), cassiopeia::Error);
    auto zero = series[0];
    zero.crl_number = 0;
    BOOST_CHECK_THROW((void)cs::sign_crl(ca, zero), cassiopeia::Error);
    auto backwards = series[0];
    backwards.next_update = backwards.this_update;
    BOOST_CHECK_THROW((void)cs::sign_crl(ca, backwards), cassiopeia::Error);
    auto missing = series[1];
    missing.added.push_back(entry("77", "2026-01-02T00:00:00Z"));
    BOOST_CHECK_THROW((void)cs::sign_crl(ca, missing), cassiopeia::Error);
    auto bad_serial = series[1];
    bad_serial.entries[0].serial = "xyz";
    BOOST_CHECK_THROW((void)cs::sign_crl(ca, bad_serial), cassiopeia::Error);
}

// Writes tests/data/crl/ (docs there): run explicitly, see tests/data/crl/README.
BOOST_AUTO_TEST_CASE(write_fixtures, *boost::unit_test::disabled()) {
    const char* dir_env = std::getenv("CASS_CRL_FIXTURE_DIR");
    if (dir_env == nullptr) {
        return;  // a generator, not a check: only runs when asked to write somewhere
    }
    const std::filesystem::path dir{dir_env};
    const auto rsa = make_ca("server_2026_1");
    cs::test::write_pem_cert(dir / "rsa-ca.pem", rsa.cert.get());
    const auto series = crl_series(rsa.name);
    for (size_t i = 0; i < series.size(); ++i) {
        const auto out = cs::sign_crl(rsa, series[i]);
        write_file(dir / ("rsa-crl-" + std::to_string(i + 1) + ".der"), out.crl_der);
        write_file(dir / ("rsa-delta-" + std::to_string(i + 1) + ".der"), out.delta_der);
    }
    const auto ec = make_ca("client_2026_1", true);
    cs::test::write_pem_cert(dir / "ec-ca.pem", ec.cert.get());
    for (size_t i = 0; i < 2; ++i) {
        auto in = series[i];
        in.ca = ec.name;
        const auto out = cs::sign_crl(ec, in);
        write_file(dir / ("ec-crl-" + std::to_string(i + 1) + ".der"), out.crl_der);
        write_file(dir / ("ec-delta-" + std::to_string(i + 1) + ".der"), out.delta_der);
    }
    // A CA with another key and the same subject as rsa-ca: verification must fail.
    const auto twin = make_ca("server_2026_1");
    cs::test::write_pem_cert(dir / "rsa-twin-ca.pem", twin.cert.get());
}

BOOST_AUTO_TEST_SUITE_END()
