// The re-sign ceremony's builder and its proof (docs/key-ceremony.md, "Re-signing a root"): an
// MD5-signed root and an intermediate whose AKI names the root's serial are signed anew with
// SHA-256; only the asked fields change, the new chain verifies, compare sees every TBS byte.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/cert_compare.hpp"
#include "issuance/resign.hpp"
#include "issuance_test_support.hpp"
#include "softhsm_token.hpp"

#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>

using namespace cassiopeia::server;        // NOLINT(google-build-using-namespace): test file
using namespace cassiopeia::server::test;  // NOLINT(google-build-using-namespace): test file
namespace ossl = cassiopeia::ossl;

namespace {

ParsedCertificate parsed(X509* cert) {
    auto p = parse_certificate(ossl::to_der(::i2d_X509, cert));
    BOOST_REQUIRE(p.has_value());
    return std::move(*p);
}

/** The old hierarchy: an MD5-signed RSA root and an intermediate under it, as a CA once had. */
struct OldHierarchy {
    ossl::EvpPkeyPtr root_key = make_rsa();
    ossl::EvpPkeyPtr inter_key = make_ec();
    ParsedCertificate root;
    ParsedCertificate inter;

    OldHierarchy() {
        const auto nb = at("2005-01-01T00:00:00Z");
        const auto na = at("2035-01-01T00:00:00Z");
        ossl::X509Ptr r = new_test_cert(root_key.get(), "Old Root", nb, na);
        ::ASN1_INTEGER_set(::X509_get_serialNumber(r.get()), 0);
        ::X509_set_issuer_name(r.get(), ::X509_get_subject_name(r.get()));
        add_conf_ext(r.get(), r.get(), NID_basic_constraints, "critical,CA:TRUE");
        add_conf_ext(r.get(), r.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
        add_conf_ext(r.get(), r.get(), NID_subject_key_identifier, "hash");
        add_conf_ext(r.get(), r.get(), NID_authority_key_identifier, "keyid:always,issuer:always");
        add_conf_ext(r.get(), r.get(), NID_crl_distribution_points, "URI:http://old.test/root.crl");
        add_conf_ext(r.get(),
                     r.get(),
                     NID_info_access,
                     "OCSP;URI:http://old.test/ocsp,caIssuers;URI:http://old.test/root.crt");
        add_conf_ext(r.get(), r.get(), NID_netscape_comment, "kept byte for byte");
        ossl::check_ossl(::X509_sign(r.get(), root_key.get(), ::EVP_md5()) > 0, "X509_sign");
        root = parsed(r.get());

        ossl::X509Ptr i = new_test_cert(inter_key.get(), "Old Intermediate", nb, na);
        ::X509_set_issuer_name(i.get(), ::X509_get_subject_name(r.get()));
        add_conf_ext(i.get(), r.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
        add_conf_ext(i.get(), r.get(), NID_subject_key_identifier, "hash");
        add_conf_ext(i.get(), r.get(), NID_authority_key_identifier, "keyid:always,issuer:always");
        ossl::check_ossl(::X509_sign(i.get(), root_key.get(), ::EVP_sha256()) > 0, "X509_sign");
        inter = parsed(i.get());
    }
};

CaKey key_of(const ossl::EvpPkeyPtr& key) {
    return CaKey{ossl::share(key.get())};
}

ResignChanges sha256_new_serial() {
    ResignChanges c;
    c.md = ::EVP_sha256();
    c.serial = std::vector<uint8_t>{0x10, 0x01};
    c.aki_key_id_only = true;
    return c;
}

/** The fields compare reports as other than `same`, by name. */
std::set<std::string> changed(const ParsedCertificate& a, const ParsedCertificate& b) {
    std::set<std::string> out;
    for (const auto& f : compare_certificates(a, b, {}).fields) {
        if (f.verdict != FieldVerdict::same) {
            out.insert(f.field);
        }
    }
    return out;
}

/** The X509_verify_cert verdict of `cert` under trust anchor `root` (OpenSSL's error code). */
int verify_under(X509* root, X509* cert, X509* untrusted = nullptr) {
    const ossl::X509StorePtr store{::X509_STORE_new()};
    BOOST_REQUIRE(store && ::X509_STORE_add_cert(store.get(), root) == 1);
    STACK_OF(X509)* chain = sk_X509_new_null();
    if (untrusted != nullptr) {
        sk_X509_push(chain, untrusted);
    }
    const ossl::X509StoreCtxPtr ctx{::X509_STORE_CTX_new()};
    BOOST_REQUIRE(::X509_STORE_CTX_init(ctx.get(), store.get(), cert, chain) == 1);
    ::X509_STORE_CTX_set_time(ctx.get(), 0, 1'800'000'000);
    const int ok = ::X509_verify_cert(ctx.get());
    const int err = ::X509_STORE_CTX_get_error(ctx.get());
    sk_X509_free(chain);
    return ok == 1 ? X509_V_OK : err;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(Resign)

BOOST_AUTO_TEST_CASE(an_md5_root_signed_anew_changes_only_what_was_asked) {
    const OldHierarchy old;
    const auto changes = sha256_new_serial();
    const auto root =
        resign_certificate(old.root, old.root.x509.get(), key_of(old.root_key), changes);
    BOOST_TEST(::X509_get_signature_nid(root.x509.get()) == NID_sha256WithRSAEncryption);
    BOOST_TEST(::X509_verify(root.x509.get(), old.root_key.get()) == 1);
    BOOST_TEST(::X509_check_issued(root.x509.get(), root.x509.get()) == X509_V_OK);
    BOOST_TEST(ASN1_INTEGER_get(::X509_get0_serialNumber(root.x509.get())) == 0x1001);
    const std::set<std::string> expected{"serial", "signature", "authorityKeyIdentifier"};
    BOOST_TEST(changed(old.root, root) == expected);
    BOOST_TEST(compare_certificates(old.root, root, changed_fields(changes)).equivalent());
    // The AKI keeps its key identifier and loses issuer name and serial.
    const ossl::AuthorityKeyIdPtr aki{static_cast<AUTHORITY_KEYID*>(
        ::X509_get_ext_d2i(root.x509.get(), NID_authority_key_identifier, nullptr, nullptr))};
    BOOST_REQUIRE(aki != nullptr);
    BOOST_TEST(aki->issuer == nullptr);
    BOOST_TEST(aki->serial == nullptr);
    BOOST_TEST(
        ::ASN1_OCTET_STRING_cmp(aki->keyid, ::X509_get0_subject_key_id(old.root.x509.get())) == 0);
}

BOOST_AUTO_TEST_CASE(the_resigned_intermediate_verifies_under_the_resigned_root) {
    const OldHierarchy old;
    const auto changes = sha256_new_serial();
    const auto root =
        resign_certificate(old.root, old.root.x509.get(), key_of(old.root_key), changes);
    ResignChanges keep_serial;
    keep_serial.md = ::EVP_sha256();
    keep_serial.aki_key_id_only = true;
    const auto inter =
        resign_certificate(old.inter, root.x509.get(), key_of(old.root_key), keep_serial);
    BOOST_TEST(verify_under(root.x509.get(), inter.x509.get()) == X509_V_OK);
    BOOST_TEST(verify_under(old.root.x509.get(), old.inter.x509.get()) == X509_V_OK);
    // Chained by key: the new intermediate verifies under the old root too.
    BOOST_TEST(verify_under(old.root.x509.get(), inter.x509.get()) == X509_V_OK);
    // The known exception: the old intermediate's AKI names the old root's serial, so OpenSSL
    // does not take the new root for its issuer and finds none.
    BOOST_TEST(::X509_check_issued(root.x509.get(), old.inter.x509.get()) ==
               X509_V_ERR_AKID_ISSUER_SERIAL_MISMATCH);
    BOOST_TEST(verify_under(root.x509.get(), old.inter.x509.get()) ==
               X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    const std::set<std::string> expected{"signature", "authorityKeyIdentifier"};
    BOOST_TEST(changed(old.inter, inter) == expected);
}

BOOST_AUTO_TEST_CASE(urls_replace_only_their_own_entries_in_place) {
    const OldHierarchy old;
    ResignChanges c;
    c.md = ::EVP_sha384();
    c.crl_urls = {"http://new.test/root.crl", "ldap://new.test/cn=root"};
    c.ocsp_urls = {"http://new.test/ocsp"};
    const auto root = resign_certificate(old.root, old.root.x509.get(), key_of(old.root_key), c);
    const std::set<std::string> expected{
        "signature", "crlDistributionPoints", "authorityInfoAccess"};
    BOOST_TEST(changed(old.root, root) == expected);  // extension-order included: same place
    const ossl::CrlDistPointsPtr dps{static_cast<CRL_DIST_POINTS*>(
        ::X509_get_ext_d2i(root.x509.get(), NID_crl_distribution_points, nullptr, nullptr))};
    BOOST_REQUIRE(dps != nullptr);
    BOOST_TEST(sk_GENERAL_NAME_num(sk_DIST_POINT_value(dps.get(), 0)->distpoint->name.fullname) ==
               2);
    const ossl::AuthorityInfoAccessPtr aia{static_cast<AUTHORITY_INFO_ACCESS*>(
        ::X509_get_ext_d2i(root.x509.get(), NID_info_access, nullptr, nullptr))};
    BOOST_REQUIRE(sk_ACCESS_DESCRIPTION_num(aia.get()) == 2);
    const auto url = [&aia](int i) {
        const ACCESS_DESCRIPTION* ad = sk_ACCESS_DESCRIPTION_value(aia.get(), i);
        const auto* s = ad->location->d.uniformResourceIdentifier;
        return std::make_pair(::OBJ_obj2nid(ad->method),
                              std::string(reinterpret_cast<const char*>(::ASN1_STRING_get0_data(s)),
                                          static_cast<size_t>(::ASN1_STRING_length(s))));
    };
    BOOST_TEST((url(0) == std::make_pair(int{NID_ad_OCSP}, std::string("http://new.test/ocsp"))));
    BOOST_TEST((url(1) ==
                std::make_pair(int{NID_ad_ca_issuers}, std::string("http://old.test/root.crt"))));
}

BOOST_AUTO_TEST_CASE(refusals_sign_nothing) {
    const OldHierarchy old;
    const auto refused = [](auto&& call) {
        try {
            (void)call();
        } catch (const cassiopeia::Error& e) {
            return e.kind() == cassiopeia::ErrorKind::config;
        }
        return false;
    };
    const auto changes = sha256_new_serial();
    // Another key than the root's.
    BOOST_TEST(refused([&] {
        return resign_certificate(old.root, old.root.x509.get(), key_of(old.inter_key), changes);
    }));
    // The intermediate is not issued by itself.
    BOOST_TEST(refused([&] {
        return resign_certificate(old.inter, old.inter.x509.get(), key_of(old.inter_key), changes);
    }));
    // A new serial while the AKI still names the old one: no longer issued by itself.
    ResignChanges serial_only = changes;
    serial_only.aki_key_id_only = false;
    BOOST_TEST(refused([&] {
        return resign_certificate(old.root, old.root.x509.get(), key_of(old.root_key), serial_only);
    }));
    ResignChanges zero = changes;
    zero.serial = std::vector<uint8_t>{0};
    BOOST_TEST(refused([&] {
        return resign_certificate(old.root, old.root.x509.get(), key_of(old.root_key), zero);
    }));
}

BOOST_AUTO_TEST_CASE(compare_sees_every_byte_of_the_certificate) {
    const OldHierarchy old;
    const auto root = resign_certificate(
        old.root, old.root.x509.get(), key_of(old.root_key), sha256_new_serial());
    size_t parsable = 0;
    for (size_t i = 0; i < root.der.size(); ++i) {
        for (const uint8_t flip : {uint8_t{0x01}, uint8_t{0x80}}) {
            std::vector<uint8_t> der = root.der;
            der[i] ^= flip;
            const auto tampered = parse_certificate(der);
            if (!tampered) {
                continue;  // compare refuses what does not parse
            }
            ++parsable;
            if (compare_certificates(root, *tampered, {}).equivalent()) {
                BOOST_ERROR("a change of byte " << i << " (^" << int{flip} << ") went unseen");
            }
        }
    }
    // Most single-bit changes still parse: the loop above is not vacuous.
    BOOST_TEST(parsable > root.der.size());
}

BOOST_AUTO_TEST_CASE(validity_is_never_allowed_and_names_are_canonical) {
    BOOST_TEST(!allowable_field("validity").has_value());
    BOOST_TEST(!allowable_field("encoding").has_value());
    BOOST_TEST(!allowable_field("certificate").has_value());
    BOOST_TEST(!allowable_field("bogus").has_value());
    BOOST_TEST(!allowable_field("CN").has_value());  // an attribute, not an extension
    BOOST_TEST(allowable_field("serial").value() == "serial");
    BOOST_TEST(allowable_field("2.5.29.31").value() == "crlDistributionPoints");
    BOOST_TEST(allowable_field("X509v3 CRL Distribution Points").value() ==
               "crlDistributionPoints");
    BOOST_TEST(allowable_field("1.3.6.1.4.1.99999.1").value() == "1.3.6.1.4.1.99999.1");

    // Even when a caller passes it, a validity that differs is a difference.
    const OldHierarchy old;
    ossl::X509Ptr later{::X509_dup(old.root.x509.get())};
    ::ASN1_TIME_set(::X509_getm_notAfter(later.get()), 2'051'222'401);  // one second more
    ossl::check_ossl(::X509_sign(later.get(), old.root_key.get(), ::EVP_sha256()) > 0, "sign");
    const auto cmp = compare_certificates(old.root, parsed(later.get()), {"validity", "signature"});
    BOOST_TEST(!cmp.equivalent());
}

BOOST_AUTO_TEST_CASE(reads_pem_and_der_and_refuses_anything_else) {
    const OldHierarchy old;
    const ossl::BioPtr bio{::BIO_new(::BIO_s_mem())};
    BOOST_REQUIRE(::PEM_write_bio_X509(bio.get(), old.root.x509.get()) == 1);
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);  // NOLINT(*-cstyle-cast)
    const std::vector<uint8_t> pem(data, data + len);     // NOLINT(*-pointer-arithmetic)
    BOOST_TEST(certificate_der(pem).value() == old.root.der);
    BOOST_TEST(certificate_der(old.root.der).value() == old.root.der);
    const std::string not_a_cert = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    BOOST_TEST(
        !certificate_der({reinterpret_cast<const uint8_t*>(not_a_cert.data()), not_a_cert.size()})
             .has_value());
    std::vector<uint8_t> trailing = old.root.der;
    trailing.push_back(0);
    BOOST_TEST(!parse_certificate(trailing).has_value());
    BOOST_TEST(!parse_certificate({}).has_value());
}

BOOST_AUTO_TEST_CASE(a_root_key_in_a_token_signs_the_same_certificate) {
    const OldHierarchy old;
    cassiopeia::test::SoftHsmToken token;
    const TempDir dir{"resign"};
    write_pem_key(dir.path() / "root.key", old.root_key.get());
    token.import((dir.path() / "root.key").string(), "old-root", "0a");
    const CaKey key = load_ca_key("--key", token.key_uri("old-root"), old.root.x509.get());
    const auto root = resign_certificate(old.root, old.root.x509.get(), key, sha256_new_serial());
    BOOST_TEST(::X509_verify(root.x509.get(), old.root_key.get()) == 1);
    const std::set<std::string> expected{"serial", "signature", "authorityKeyIdentifier"};
    BOOST_TEST(changed(old.root, root) == expected);
}

BOOST_AUTO_TEST_SUITE_END()
