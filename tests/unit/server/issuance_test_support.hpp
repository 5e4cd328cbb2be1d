// Test helpers of the issuance tests: fixture files, throwaway keys and time CAs.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "issuance/ca_store.hpp"
#include "temp_dir.hpp"
#include "util/time_util.hpp"

#include <librecord/ossl/handles.hpp>

#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace cassiopeia::server::test {

inline std::filesystem::path source_dir() {
    return std::filesystem::path{CASS_SOURCE_DIR};
}

inline std::filesystem::path profiles_dir() {
    return source_dir() / "cassiopeia-server/conf/profiles";
}

inline std::vector<uint8_t> read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + p.string());
    }
    return std::vector<uint8_t>{std::istreambuf_iterator<char>(in), {}};
}

inline std::vector<uint8_t> csr_fixture(const std::string& name) {
    return read_file(source_dir() / "tests/data/csr" / name);
}

inline std::string csr_text_fixture(const std::string& name) {
    const auto bytes = csr_fixture(name);
    return std::string{bytes.begin(), bytes.end()};
}

inline ossl::EvpPkeyPtr make_rsa(unsigned bits = 2048) {
    ossl::EvpPkeyPtr k{::EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{bits})};
    ossl::check_ossl(k != nullptr, "EVP_PKEY_Q_keygen");
    return k;
}

inline ossl::EvpPkeyPtr make_ec(const char* curve = "P-256") {
    ossl::EvpPkeyPtr k{::EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve)};
    ossl::check_ossl(k != nullptr, "EVP_PKEY_Q_keygen");
    return k;
}

inline void add_conf_ext(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    const ossl::X509ExtPtr ext{::X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)};
    ossl::check_ossl(ext != nullptr && ::X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

/** A v3 certificate for `key` named O=Cassiopeia Test, CN=`cn`, valid [nb, na], unsigned. */
inline ossl::X509Ptr new_test_cert(EVP_PKEY* key,
                                   const std::string& cn,
                                   SysSeconds nb,
                                   SysSeconds na) {
    ossl::X509Ptr cert{::X509_new()};
    ossl::check_ossl(cert != nullptr, "X509_new");
    ::X509_set_version(cert.get(), X509_VERSION_3);
    ::ASN1_INTEGER_set(::X509_get_serialNumber(cert.get()), 4242);
    ::ASN1_TIME_set(::X509_getm_notBefore(cert.get()), nb.time_since_epoch().count());
    ::ASN1_TIME_set(::X509_getm_notAfter(cert.get()), na.time_since_epoch().count());
    X509_NAME* name = ::X509_get_subject_name(cert.get());
    ::X509_NAME_add_entry_by_txt(name,
                                 "O",
                                 MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>("Cassiopeia Test"),
                                 -1,
                                 -1,
                                 0);
    ::X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    ::X509_set_pubkey(cert.get(), key);
    return cert;
}

/** A self-signed root CA certificate (CA:TRUE, no pathLen) valid [nb, na] for `key`. */
inline ossl::X509Ptr make_root_cert(EVP_PKEY* key,
                                    const std::string& cn,
                                    SysSeconds nb,
                                    SysSeconds na) {
    ossl::X509Ptr cert = new_test_cert(key, cn, nb, na);
    ::X509_set_issuer_name(cert.get(), ::X509_get_subject_name(cert.get()));
    add_conf_ext(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_conf_ext(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_conf_ext(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
    ossl::check_ossl(::X509_sign(cert.get(), key, ::EVP_sha256()) > 0, "X509_sign");
    return cert;
}

/** The tests' root: one P-256 key and certificate (1990..2100) for the whole test run. */
struct TestRoot {
    ossl::EvpPkeyPtr key;
    ossl::X509Ptr cert;
};

inline const TestRoot& test_root() {
    static const TestRoot root = [] {
        TestRoot r;
        r.key = make_ec();
        r.cert = make_root_cert(r.key.get(),
                                "Cassiopeia Test Root",
                                SysSeconds{std::chrono::seconds{631152000}},    // 1990
                                SysSeconds{std::chrono::seconds{4102444800}});  // 2100
        return r;
    }();
    return root;
}

/**
 * A time CA certificate valid [nb, na] for `key`, as the key ceremony makes them: signed by
 * test_root(), CA:TRUE with pathLen `path_len` (0 for a proper time CA), SKI and AKI.
 */
inline ossl::X509Ptr make_ca_cert(EVP_PKEY* key,
                                  const std::string& cn,
                                  SysSeconds nb,
                                  SysSeconds na,
                                  const char* basic_constraints = "critical,CA:TRUE,pathlen:0") {
    const TestRoot& root = test_root();
    ossl::X509Ptr cert = new_test_cert(key, cn, nb, na);
    ::X509_set_issuer_name(cert.get(), ::X509_get_subject_name(root.cert.get()));
    add_conf_ext(cert.get(), root.cert.get(), NID_basic_constraints, basic_constraints);
    add_conf_ext(cert.get(), root.cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    add_conf_ext(cert.get(), root.cert.get(), NID_subject_key_identifier, "hash");
    add_conf_ext(cert.get(), root.cert.get(), NID_authority_key_identifier, "keyid:always");
    ossl::check_ossl(::X509_sign(cert.get(), root.key.get(), ::EVP_sha256()) > 0, "X509_sign");
    return cert;
}

inline void write_pem_cert(const std::filesystem::path& p, X509* cert) {
    const ossl::BioPtr bio{::BIO_new_file(p.c_str(), "w")};
    ossl::check_ossl(bio != nullptr && ::PEM_write_bio_X509(bio.get(), cert) == 1,
                     "PEM_write_bio_X509");
}

inline void write_pem_key(const std::filesystem::path& p, EVP_PKEY* key) {
    const ossl::BioPtr bio{::BIO_new_file(p.c_str(), "w")};
    ossl::check_ossl(
        bio != nullptr &&
            ::PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "PEM_write_bio_PrivateKey");
}

using TempDir = cassiopeia::test::TempDir;

inline SysSeconds at(const char* utc) {
    const auto t = parse_utc(utc);
    if (!t) {
        throw std::runtime_error(std::string{"bad test time "} + utc);
    }
    return *t;
}

}  // namespace cassiopeia::server::test
