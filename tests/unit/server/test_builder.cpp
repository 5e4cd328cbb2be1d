// Tests of certificate issuance: rebuild, lint, sign (docs/protocol.md §5.2-§5.4), and the CA
// store. Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/builder.hpp"
#include "issuance/lint.hpp"
#include "issuance_test_support.hpp"

#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>
#include <openssl/err.h>

#include <algorithm>
#include <sys/stat.h>

using namespace cassiopeia::server;  // NOLINT(google-build-using-namespace): test file
namespace ossl = cassiopeia::ossl;
using cassiopeia::server::test::at;
using cassiopeia::server::test::csr_fixture;

namespace {

const SysSeconds now = at("2026-11-25T12:00:00Z");

struct Pki {
    ProfileSet profiles = ProfileSet::load(test::profiles_dir());
    CaStore cas;
    ossl::X509Ptr server_ca_cert;

    Pki() {
        auto rsa = test::make_rsa();
        auto cert = test::make_ca_cert(
            rsa.get(), "Server 2026-1", at("2026-01-01T00:00:00Z"), at("2028-01-01T00:00:00Z"));
        server_ca_cert = ossl::share(cert.get());
        cas.add("server_2026_1", std::move(cert), std::move(rsa));
        auto ec = test::make_ec("P-384");
        auto ec_cert = test::make_ca_cert(
            ec.get(), "Client 2026-1", at("2026-01-01T00:00:00Z"), at("2027-12-31T00:00:00Z"));
        cas.add("client_2026_1", std::move(ec_cert), std::move(ec));
        // An older client CA, and one not valid yet: neither may be picked.
        auto old_key = test::make_ec();
        auto old_cert = test::make_ca_cert(
            old_key.get(), "Client 2025-1", at("2025-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
        cas.add("client_2025_1", std::move(old_cert), std::move(old_key));
        auto next_key = test::make_ec();
        auto next_cert = test::make_ca_cert(next_key.get(),
                                            "Client 2027-1",
                                            at("2027-01-01T00:00:00Z"),
                                            at("2029-01-01T00:00:00Z"));
        cas.add("client_2027_1", std::move(next_cert), std::move(next_key));
        // A timestamp CA that ends soon: notAfter gets clamped.
        auto ts_key = test::make_ec();
        auto ts_cert = test::make_ca_cert(
            ts_key.get(), "TSA 2026-1", at("2026-01-01T00:00:00Z"), at("2026-12-05T00:00:00Z"));
        cas.add("timestamp_2026_1", std::move(ts_cert), std::move(ts_key));
    }
};

Pki& pki() {
    static Pki instance;  // key generation once for the whole suite
    return instance;
}

SignRequest server_request(const char* csr = "ec256.der") {
    SignRequest r;
    r.set_csr(csr_fixture(csr));
    r.set_signature_type("sha256");
    r.set_profile("server");
    r.add_san("DNS,www.example.org");
    r.add_ava("CN,www.example.org");
    r.add_proof_line("2026-11-20T08:00:00Z,domains,17,name=www.example.org");
    return r;
}

std::string code_of(const Refusable<IssuedCertificate>& o) {
    return o.ok() ? "ok" : std::string(librecord::to_string(o.error().code));
}

Refusable<IssuedCertificate> issue(const SignRequest& r,
                                   std::vector<std::string>* log_out = nullptr) {
    Issuer issuer{pki().profiles, pki().cas};
    std::vector<std::string> log;
    auto out = issuer.issue(r, now, log);
    if (log_out != nullptr) {
        *log_out = log;
    }
    return out;
}

bool verifies(X509* leaf, X509* ca) {
    const ossl::X509StorePtr store{::X509_STORE_new()};
    ::X509_STORE_add_cert(store.get(), ca);
    ::X509_STORE_add_cert(store.get(), test::test_root().cert.get());  // the time CAs' root
    const ossl::X509StoreCtxPtr ctx{::X509_STORE_CTX_new()};
    ::X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
    ::X509_STORE_CTX_set_time(ctx.get(), 0, now.time_since_epoch().count() + 60);
    const bool ok = ::X509_verify_cert(ctx.get()) == 1;
    if (!ok) {
        BOOST_TEST_MESSAGE(
            "verify: " << ::X509_verify_cert_error_string(::X509_STORE_CTX_get_error(ctx.get())));
    }
    return ok;
}

std::vector<std::string> san_strings(X509* cert, int* crit) {
    std::vector<std::string> out;
    const ossl::GeneralNamesPtr names{
        static_cast<GENERAL_NAMES*>(::X509_get_ext_d2i(cert, NID_subject_alt_name, crit, nullptr))};
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
        int type = 0;
        const auto* s = static_cast<const ASN1_STRING*>(
            ::GENERAL_NAME_get0_value(sk_GENERAL_NAME_value(names.get(), i), &type));
        out.push_back((type == GEN_DNS ? "DNS:" : "email:") +
                      std::string{reinterpret_cast<const char*>(::ASN1_STRING_get0_data(s)),
                                  static_cast<size_t>(::ASN1_STRING_length(s))});
    }
    return out;
}

std::string subject_text(X509* cert) {
    const ossl::BioPtr bio{::BIO_new(::BIO_s_mem())};
    ::X509_NAME_print_ex(
        bio.get(), ::X509_get_subject_name(cert), 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string{data, static_cast<size_t>(n)};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(builder)

BOOST_AUTO_TEST_CASE(issues_a_server_certificate_rebuilt_from_the_records) {
    std::vector<std::string> log;
    auto out = issue(server_request(), &log);
    BOOST_REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().payload()));
    X509* cert = out->cert.get();
    BOOST_TEST(out->ca_name == "server_2026_1");
    BOOST_TEST(verifies(cert, pki().server_ca_cert.get()));
    // The CSR asked for another subject, CA:TRUE, keyCertSign and other SANs: none of it shows.
    BOOST_TEST(subject_text(cert) == "CN=www.example.org");
    int crit = -1;
    BOOST_TEST((san_strings(cert, &crit) == std::vector<std::string>{"DNS:www.example.org"}));
    BOOST_TEST(crit == 0);
    BOOST_TEST(::X509_check_ca(cert) == 0);
    BOOST_TEST(::X509_get_key_usage(cert) ==
               static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));  // EC: no keyEncipherment
    BOOST_TEST(::X509_get_extended_key_usage(cert) == static_cast<uint32_t>(XKU_SSL_SERVER));
    BOOST_TEST(::X509_get_signature_nid(cert) == NID_sha256WithRSAEncryption);
    // Serial: 16 bytes, positive; text form per §5.4.
    const ASN1_INTEGER* serial = ::X509_get0_serialNumber(cert);
    BOOST_TEST(::ASN1_STRING_length(serial) == 16);
    BOOST_TEST(::ASN1_STRING_type(serial) == V_ASN1_INTEGER);
    BOOST_TEST(out->serial_hex.size() == 32U);
    // 200 days from 2026-03-15 (inclusive count).
    BOOST_TEST(format_utc(out->not_before) == "2026-11-25T12:00:00Z");
    BOOST_TEST(format_utc(out->not_after) == "2027-06-13T11:59:59Z");
    BOOST_TEST((to_sys_seconds(::X509_get0_notAfter(cert)) == out->not_after));
    // The DER is the certificate.
    const unsigned char* p = out->der.data();
    const ossl::X509Ptr parsed{::d2i_X509(nullptr, &p, static_cast<long>(out->der.size()))};
    BOOST_REQUIRE(parsed != nullptr);
    BOOST_TEST(::X509_cmp(parsed.get(), cert) == 0);
    BOOST_TEST(std::count(log.begin(), log.end(), "lint passed") == 1);
    BOOST_TEST(::ERR_peek_error() == 0UL);
}

BOOST_AUTO_TEST_CASE(two_certificates_get_different_serials) {
    auto a = issue(server_request());
    auto b = issue(server_request());
    BOOST_REQUIRE(a.ok());
    BOOST_REQUIRE(b.ok());
    BOOST_TEST(a->serial_hex != b->serial_hex);
}

BOOST_AUTO_TEST_CASE(issues_a_client_certificate_with_typed_subject_strings) {
    SignRequest r;
    r.set_csr(csr_fixture("rsa2048.pem"));
    r.set_signature_type("sha384");
    r.set_profile("client-org");
    r.wish_to("30d");
    r.add_san("email,zoe@example.org");
    r.add_ava("C,DE");
    r.add_ava("O,Beispiel GmbH & Co. KG");
    r.add_ava("CN,Zoë Ärger");
    r.add_ava("emailAddress,zoe@example.org");
    r.add_proof_line("2026-11-20T00:00:00Z,emails,1,address=zoe@example.org");
    r.add_proof_line("2026-11-20T00:00:00Z,names,2,name=Zoë Ärger");
    r.add_proof_line("2026-11-20T00:00:00Z,organisations,3,name=Beispiel GmbH & Co. KG,country=DE");
    auto out = issue(r);
    BOOST_REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().payload()));
    X509* cert = out->cert.get();
    const X509_NAME* name = ::X509_get_subject_name(cert);
    BOOST_REQUIRE(::X509_NAME_entry_count(name) == 4);
    const std::array<int, 4> types = {
        V_ASN1_PRINTABLESTRING, V_ASN1_UTF8STRING, V_ASN1_UTF8STRING, V_ASN1_IA5STRING};
    for (int i = 0; i < 4; ++i) {
        BOOST_TEST(::ASN1_STRING_type(::X509_NAME_ENTRY_get_data(::X509_NAME_get_entry(name, i))) ==
                   types[static_cast<size_t>(i)]);
    }
    const ASN1_STRING* cn = ::X509_NAME_ENTRY_get_data(::X509_NAME_get_entry(name, 2));
    BOOST_TEST(std::string(reinterpret_cast<const char*>(::ASN1_STRING_get0_data(cn)),
                           static_cast<size_t>(::ASN1_STRING_length(cn))) == "Zoë Ärger");
    BOOST_TEST(::X509_get_key_usage(cert) ==
               static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
    BOOST_TEST(::X509_get_extended_key_usage(cert) ==
               static_cast<uint32_t>(XKU_SSL_CLIENT | XKU_SMIME));
    BOOST_TEST(out->ca_name ==
               "client_2026_1");  // newest valid now: not 2025_1, not 2027_1 (not yet valid)
    BOOST_TEST(::X509_get_signature_nid(cert) == NID_ecdsa_with_SHA384);
    BOOST_TEST(format_utc(out->not_after) == "2026-12-25T11:59:59Z");
}

BOOST_AUTO_TEST_CASE(issues_from_an_spkac) {
    SignRequest r;
    r.set_spkac(test::csr_text_fixture("spkac-rsa2048.txt"));
    r.set_signature_type("sha512");
    r.set_profile("server");
    r.add_san("DNS,www.example.org");
    r.add_proof_line("2026-11-20T08:00:00Z,domains,17,name=www.example.org");
    auto out = issue(r);
    BOOST_REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().payload()));
    BOOST_TEST(verifies(out->cert.get(), pki().server_ca_cert.get()));
    BOOST_TEST(::X509_get_signature_nid(out->cert.get()) == NID_sha512WithRSAEncryption);
    // RSA key: keyEncipherment stays.
    BOOST_TEST(::X509_get_key_usage(out->cert.get()) ==
               static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
    const auto csr_key = parse_pkcs10(csr_fixture("rsa2048.der"));
    BOOST_TEST(::EVP_PKEY_eq(::X509_get0_pubkey(out->cert.get()), csr_key->key.get()) == 1);
}

BOOST_AUTO_TEST_CASE(empty_subject_gets_a_critical_san) {
    SignRequest r = server_request();
    SignRequest e;
    e.set_csr(csr_fixture("ec256.der"));
    e.set_signature_type("sha256");
    e.set_profile("server");
    e.add_san("DNS,www.example.org");
    e.add_proof_line("2026-11-20T08:00:00Z,domains,17,name=www.example.org");
    auto out = issue(e);
    BOOST_REQUIRE(out.ok());
    BOOST_TEST(::X509_NAME_entry_count(::X509_get_subject_name(out->cert.get())) == 0);
    int crit = -1;
    BOOST_TEST(san_strings(out->cert.get(), &crit).size() == 1U);
    BOOST_TEST(crit == 1);
}

BOOST_AUTO_TEST_CASE(clamps_not_after_to_the_ca_and_logs_it) {
    SignRequest r;
    r.set_csr(csr_fixture("ec256.der"));
    r.set_signature_type("sha256");
    r.set_profile("timestamp");
    r.add_ava("CN,Test TSA");
    r.add_proof_line("2026-11-20T00:00:00Z,names,4,name=Test TSA");
    std::vector<std::string> log;
    auto out = issue(r, &log);
    BOOST_REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().payload()));
    BOOST_TEST(format_utc(out->not_after) == "2026-12-05T00:00:00Z");
    BOOST_TEST(std::any_of(log.begin(), log.end(), [](const std::string& l) {
        return l.find("clamped") != std::string::npos;
    }));
    int crit = -1;
    const ossl::ExtKeyUsagePtr eku{static_cast<EXTENDED_KEY_USAGE*>(
        ::X509_get_ext_d2i(out->cert.get(), NID_ext_key_usage, &crit, nullptr))};
    BOOST_TEST(crit == 1);
}

BOOST_AUTO_TEST_CASE(refuses_a_not_before_past_the_ca_end) {
    SignRequest r;
    r.set_csr(csr_fixture("ec256.der"));
    r.set_signature_type("sha256");
    r.set_profile("timestamp");
    r.wish_from("2026-12-06T00:00:00Z");
    r.add_ava("CN,Test TSA");
    r.add_proof_line("2026-11-20T00:00:00Z,names,4,name=Test TSA");
    Issuer issuer{pki().profiles, pki().cas};
    std::vector<std::string> log;
    const auto out = issuer.issue(r, at("2026-12-04T12:00:00Z"), log);
    BOOST_TEST(code_of(out) == "bad_validity");
}

BOOST_AUTO_TEST_CASE(issues_an_ocsp_responder_certificate_from_its_target_ca) {
    SignRequest r;
    r.set_csr(csr_fixture("ec256.der"));
    r.set_signature_type("sha256");
    r.set_ocsp_target_ca("server_2026_1");
    r.add_ava("CN,OCSP server_2026_1");
    r.add_proof_line("2026-11-20T00:00:00Z,names,4,name=OCSP server_2026_1");
    auto out = issue(r);
    BOOST_REQUIRE_MESSAGE(out.ok(), (out.ok() ? "" : out.error().payload()));
    BOOST_TEST(out->ca_name == "server_2026_1");
    BOOST_TEST(::X509_get_ext_by_NID(out->cert.get(), NID_id_pkix_OCSP_noCheck, -1) >= 0);
    BOOST_TEST(::X509_get_extended_key_usage(out->cert.get()) ==
               static_cast<uint32_t>(XKU_OCSP_SIGN));
    BOOST_TEST(format_utc(out->not_after) == "2026-12-25T11:59:59Z");
    BOOST_TEST(verifies(out->cert.get(), pki().server_ca_cert.get()));

    SignRequest plain;
    plain.set_csr(csr_fixture("ec256.der"));
    plain.set_signature_type("sha256");
    plain.set_profile("ocsp");
    BOOST_TEST(code_of(issue(plain)) == "bad_request");
    SignRequest unknown;
    unknown.set_csr(csr_fixture("ec256.der"));
    unknown.set_signature_type("sha256");
    unknown.set_ocsp_target_ca("server_1999_1");
    BOOST_TEST(code_of(issue(unknown)) == "unknown_ca");
}

BOOST_AUTO_TEST_CASE(refusals_return_their_codes) {
    {
        SignRequest r = server_request();
        r.wish_to("201d");
        BOOST_TEST(code_of(issue(r)) == "validity_cap");
    }
    {
        SignRequest r = server_request();
        r.wish_from("2026-11-25T10:00:00Z");
        BOOST_TEST(code_of(issue(r)) == "bad_validity");
    }
    {
        SignRequest r;
        r.set_csr(csr_fixture("ec256.der"));
        r.set_signature_type("sha256");
        r.set_profile("server");
        r.add_san("DNS,www.example.org");
        r.add_proof_line("2026-01-01T00:00:00Z,domains,17,name=www.example.org");
        BOOST_TEST(code_of(issue(r)) == "proof_stale");
    }
    {
        SignRequest r;
        r.set_csr(csr_fixture("ec256.der"));
        r.set_signature_type("sha256");
        r.set_profile("server");
        r.add_san("DNS,www.example.org");
        r.add_proof_line("2026-11-25T13:00:00Z,domains,17,name=www.example.org");
        BOOST_TEST(code_of(issue(r)) == "proof_future");
    }
    {
        SignRequest r;
        r.set_csr(csr_fixture("ec256.der"));
        r.set_signature_type("sha256");
        r.set_profile("server");
        r.add_san("DNS,www.example.org");
        r.add_san("DNS,other.example.org");
        r.add_proof_line("2026-11-20T00:00:00Z,domains,17,name=www.example.org");
        BOOST_TEST(code_of(issue(r)) == "proof_missing");
    }
    {
        SignRequest r = server_request();
        r.add_san("DNS,bad..example.org");
        BOOST_TEST(code_of(issue(r)) == "san_invalid");
    }
    {
        SignRequest r;
        r.set_csr(csr_fixture("rsa1024.der"));
        BOOST_TEST(code_of(issue(r)) == "weak_key");
    }
    {
        SignRequest r;
        r.set_csr(csr_fixture("rsa2048-badsig.der"));
        BOOST_TEST(code_of(issue(r)) == "csr_signature");
    }
    {
        SignRequest r = server_request();
        r.set_signature_type("sha1");
        BOOST_TEST(code_of(issue(r)) == "bad_request");  // second setSignatureType
        SignRequest h;
        h.set_signature_type("md5");
        BOOST_TEST(code_of(issue(h)) == "hash_not_allowed");
    }
    {
        SignRequest r;
        r.set_csr(csr_fixture("ec256.der"));
        r.set_signature_type("sha256");
        r.set_profile("nosuch");
        BOOST_TEST(code_of(issue(r)) == "unknown_profile");
    }
    {
        SignRequest r;
        r.set_csr(csr_fixture("ec256.der"));
        r.set_signature_type("sha256");
        r.set_profile("subca");
        BOOST_TEST(code_of(issue(r)) == "profile_local_only");
    }
    {
        SignRequest r;
        r.set_csr(csr_fixture("ec256.der"));
        r.set_signature_type("sha256");
        r.set_profile("client-codesign");  // no CA of family codesign
        BOOST_TEST(code_of(issue(r)) == "unknown_ca");
    }
}

BOOST_AUTO_TEST_CASE(hash_not_in_profile_is_refused) {
    ProfileSet set;
    Profile p = *pki().profiles.find("server");
    p.hashes = {"sha256"};
    set.add(p);
    Issuer issuer{set, pki().cas};
    SignRequest r;
    r.set_csr(csr_fixture("ec256.der"));
    r.set_signature_type("sha512");
    r.set_profile("server");
    std::vector<std::string> log;
    BOOST_TEST(code_of(issuer.issue(r, now, log)) == "hash_not_allowed");
}

BOOST_AUTO_TEST_CASE(lint_finds_faults_in_a_tampered_certificate) {
    auto out = issue(server_request());
    BOOST_REQUIRE(out.ok());
    const TimeCa* ca = pki().cas.find("server_2026_1");
    const Profile& profile = *pki().profiles.find("server");
    SignRequest r = server_request();
    const auto ku = effective_key_usage(profile, r.key());
    const auto expect = [&](const std::string& hash, Period cap) {
        return LintExpectations{profile,
                                *ca,
                                r.key(),
                                r.sans(),
                                r.avas(),
                                hash,
                                ku,
                                cap,
                                out->not_before,
                                out->not_after};
    };
    const Period cap{200, Period::Unit::days};
    BOOST_TEST(!lint_certificate(out->cert.get(), expect("sha256", cap)).has_value());
    BOOST_TEST(lint_certificate(out->cert.get(), expect("sha384", cap))
                   .value()
                   .rfind("signature_hash", 0) == 0U);
    BOOST_TEST(lint_certificate(out->cert.get(), expect("sha256", Period{90, Period::Unit::days}))
                   .value()
                   .rfind("validity_cap", 0) == 0U);

    // A short serial, then a SHA-1 signature.
    ossl::X509Ptr copy{::X509_dup(out->cert.get())};
    ::ASN1_INTEGER_set(::X509_get_serialNumber(copy.get()), 12345);
    BOOST_REQUIRE(::X509_sign(copy.get(), ca->key.file_key(), ::EVP_sha256()) > 0);
    BOOST_TEST(
        lint_certificate(copy.get(), expect("sha256", cap)).value().rfind("serial_length", 0) ==
        0U);
    ossl::X509Ptr sha1{::X509_dup(out->cert.get())};
    BOOST_REQUIRE(::X509_sign(sha1.get(), ca->key.file_key(), ::EVP_sha1()) > 0);
    BOOST_TEST(lint_certificate(sha1.get(), expect("sha256", cap)).value().rfind("weak_hash", 0) ==
               0U);
    // Another SAN than the request's.
    SignRequest other = server_request();
    other.add_san("DNS,extra.example.org");
    const LintExpectations more{profile,
                                *ca,
                                r.key(),
                                other.sans(),
                                r.avas(),
                                "sha256",
                                ku,
                                cap,
                                out->not_before,
                                out->not_after};
    BOOST_TEST(lint_certificate(out->cert.get(), more).value().rfind("san", 0) == 0U);
    // keyEncipherment granted for an EC key.
    const LintExpectations ec_ke{profile,
                                 *ca,
                                 r.key(),
                                 r.sans(),
                                 r.avas(),
                                 "sha256",
                                 {"digitalSignature", "keyEncipherment"},
                                 cap,
                                 out->not_before,
                                 out->not_after};
    BOOST_TEST(lint_certificate(out->cert.get(), ec_ke).value().rfind("key_usage", 0) == 0U);
    ::ERR_clear_error();
}

BOOST_AUTO_TEST_CASE(serial_text_form) {
    const ossl::Asn1IntegerPtr i{::ASN1_INTEGER_new()};
    ::ASN1_INTEGER_set(i.get(), 0x8A3F);
    BOOST_TEST(serial_text(i.get()) == "8A3F");
    ::ASN1_INTEGER_set(i.get(), 0x5);
    BOOST_TEST(serial_text(i.get()) == "05");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(ca_store)

BOOST_AUTO_TEST_CASE(parses_time_ca_names) {
    const auto n = parse_time_ca_name("server-org_2026_12");
    BOOST_REQUIRE(n.has_value());
    BOOST_TEST(n->family == "server-org");
    BOOST_TEST(n->year == 2026);
    BOOST_TEST(n->n == 12);
    for (const char* bad : {"server",
                            "server_2026",
                            "_2026_1",
                            "server_26x_1",
                            "server_2026_",
                            "Server_2026_1",
                            "server_2026_01"}) {
        BOOST_TEST(!parse_time_ca_name(bad).has_value(), bad);
    }
}

BOOST_AUTO_TEST_CASE(loads_from_a_folder_and_refuses_open_keys) {
    const test::TempDir dir;
    auto key = test::make_ec();
    auto cert = test::make_ca_cert(
        key.get(), "Server 2026-2", at("2026-01-01T00:00:00Z"), at("2028-01-01T00:00:00Z"));
    test::write_pem_cert(dir.path() / "server_2026_2.pem", cert.get());
    test::write_pem_key(dir.path() / "server_2026_2.key", key.get());
    ::chmod((dir.path() / "server_2026_2.key").c_str(), 0644);
    BOOST_CHECK_THROW((void)CaStore::load(dir.path(), dir.path()), cassiopeia::Error);
    ::chmod((dir.path() / "server_2026_2.key").c_str(), 0600);
    const CaStore store = CaStore::load(dir.path(), dir.path());
    BOOST_REQUIRE(store.find("server_2026_2") != nullptr);
    BOOST_TEST(store.pick("server", now)->name == "server_2026_2");
    BOOST_TEST(store.pick("server", at("2030-01-01T00:00:00Z")) == nullptr);
    BOOST_TEST(store.pick("client", now) == nullptr);
    // A key that does not match its certificate.
    auto other = test::make_ec();
    test::write_pem_key(dir.path() / "server_2026_2.key", other.get());
    BOOST_CHECK_THROW((void)CaStore::load(dir.path(), dir.path()), cassiopeia::Error);
    std::filesystem::remove(dir.path() / "server_2026_2.key");
    BOOST_CHECK_THROW((void)CaStore::load(dir.path(), dir.path()), cassiopeia::Error);
    ::ERR_clear_error();
}

BOOST_AUTO_TEST_SUITE_END()
