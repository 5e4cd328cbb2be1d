// CA keys in files or in tokens, one signing path for certificates and CRLs (ca_key.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/ca_key.hpp"

#include "issuance/signature_algorithm.hpp"

#include <librecord/errors.hpp>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <map>
#include <mutex>
#include <sys/stat.h>

namespace cassiopeia::server {

using ossl::check_ossl;

namespace {

[[noreturn]] void fail(ErrorKind kind, const std::string& what, const std::string& why) {
    throw Error{kind, what, why};
}

// No passphrase prompt: an encrypted CA key is a configuration fault here.
int no_passphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) noexcept {
    return -1;
}

/** The name a token's signer knows `md` by ("SHA256"). */
std::string digest_name(const EVP_MD* md) {
    const char* name = md != nullptr ? ::OBJ_nid2sn(::EVP_MD_get_type(md)) : nullptr;
    if (name == nullptr) {
        fail(ErrorKind::crypto, "token signature", "a key in a token needs a digest");
    }
    return name;
}

/**
 * Puts `signature` into the signature field that OpenSSL hands out const: it is the
 * structure's own field, the one X509_sign fills (with no unused bits).
 */
void install_signature(const ASN1_BIT_STRING* field, const std::vector<uint8_t>& signature) {
    auto* sig = const_cast<ASN1_BIT_STRING*>(field);  // NOLINT(*-const-cast)
    check_ossl(
        sig != nullptr && ::ASN1_BIT_STRING_set(sig,
                                                const_cast<uint8_t*>(signature.data()),  // NOLINT
                                                static_cast<int>(signature.size())) == 1,
        "ASN1_BIT_STRING_set");
    sig->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07L);
    sig->flags |= ASN1_STRING_FLAG_BITS_LEFT;
}

void require_verified(int verified, const char* what) {
    ::ERR_clear_error();
    if (verified != 1) {
        fail(ErrorKind::crypto, what, "the token's signature does not verify");
    }
}

}  // namespace

CaKey::CaKey(ossl::EvpPkeyPtr file_key) : m_public(std::move(file_key)) {}

CaKey::CaKey(librecord::pkcs11::Key token_key, ossl::EvpPkeyPtr public_key)
    : m_token(std::move(token_key)), m_public(std::move(public_key)) {}

void CaKey::sign(X509* cert, const EVP_MD* md) const {
    if (!m_token) {
        check_ossl(::X509_sign(cert, m_public.get(), md) > 0, "X509_sign");
        return;
    }
    if (!set_signature_algorithm(cert, m_public.get(), md)) {
        fail(ErrorKind::crypto, "token signature", "no signature algorithm for this key");
    }
    const auto tbs = ossl::to_der(::i2d_re_X509_tbs, cert, "i2d_re_X509_tbs");
    const ASN1_BIT_STRING* field = nullptr;
    ::X509_get0_signature(&field, nullptr, cert);
    install_signature(field, m_token->sign(digest_name(md), tbs));
    require_verified(::X509_verify(cert, m_public.get()), "X509_verify");
}

namespace {

/**
 * Signs `obj` (a CRL or a CSR) through `token`: OpenSSL has no setter for their inner
 * signature algorithm, so a throwaway key of `pub`'s type writes both, the token signs the TBS,
 * its signature replaces the throwaway's, and the result must verify with `pub`.
 */
template <class T>
void sign_in_token(T* obj,
                   const librecord::pkcs11::Key& token,
                   EVP_PKEY* pub,
                   const EVP_MD* md,
                   int (*sign)(T*, EVP_PKEY*, const EVP_MD*),
                   int (*re_tbs)(T*, unsigned char**),
                   void (*signature)(const T*, const ASN1_BIT_STRING**, const X509_ALGOR**),
                   int (*verify)(T*, EVP_PKEY*)) {
    check_ossl(sign(obj, throwaway_key_like(pub), md) > 0, "sign(throwaway)");
    const auto tbs = ossl::to_der(re_tbs, obj, "i2d_re_tbs");
    const ASN1_BIT_STRING* field = nullptr;
    signature(obj, &field, nullptr);
    install_signature(field, token.sign(digest_name(md), tbs));
    require_verified(verify(obj, pub), "verify");
}

}  // namespace

void CaKey::sign(X509_CRL* crl, const EVP_MD* md) const {
    if (!m_token) {
        check_ossl(::X509_CRL_sign(crl, m_public.get(), md) > 0, "X509_CRL_sign");
        return;
    }
    sign_in_token(crl,
                  *m_token,
                  m_public.get(),
                  md,
                  &::X509_CRL_sign,
                  &::i2d_re_X509_CRL_tbs,
                  &::X509_CRL_get0_signature,
                  &::X509_CRL_verify);
}

void CaKey::sign(X509_REQ* req, const EVP_MD* md) const {
    if (!m_token) {
        check_ossl(::X509_REQ_sign(req, m_public.get(), md) > 0, "X509_REQ_sign");
        return;
    }
    sign_in_token(req,
                  *m_token,
                  m_public.get(),
                  md,
                  &::X509_REQ_sign,
                  &::i2d_re_X509_REQ_tbs,
                  &::X509_REQ_get0_signature,
                  &::X509_REQ_verify);
}

void CaKey::check_matches(X509* cert) const {
    if (!m_token) {
        if (::X509_check_private_key(cert, m_public.get()) != 1) {
            ::ERR_clear_error();
            fail(ErrorKind::config, "CA key", "key does not match the certificate");
        }
        return;
    }
    static constexpr std::string_view probe = "cassiopeia CA key check";
    const auto data = std::span(reinterpret_cast<const uint8_t*>(probe.data()), probe.size());
    const auto sig = m_token->sign("SHA256", data);
    const ossl::EvpMdCtxPtr ctx{::EVP_MD_CTX_new()};
    check_ossl(ctx != nullptr, "EVP_MD_CTX_new");
    const int ok =
        ::EVP_DigestVerifyInit(
            ctx.get(), nullptr, ::EVP_sha256(), nullptr, ::X509_get0_pubkey(cert)) == 1 &&
        ::EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) == 1;
    ::ERR_clear_error();
    if (!ok) {
        fail(ErrorKind::config, "CA key", m_token->uri() + " does not match the certificate");
    }
}

EVP_PKEY* throwaway_key_like(EVP_PKEY* like) {
    static std::mutex mutex;
    static std::map<std::string, ossl::EvpPkeyPtr> keys;
    const std::lock_guard<std::mutex> lock{mutex};
    std::string kind = "RSA";
    if (::EVP_PKEY_get_base_id(like) == EVP_PKEY_EC) {
        std::array<char, 64> group{};
        size_t len = 0;
        check_ossl(::EVP_PKEY_get_utf8_string_param(
                       like, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &len) == 1,
                   "EVP_PKEY_get_utf8_string_param");
        kind = std::string{group.data(), len};
    }
    auto& slot = keys[kind];
    if (!slot) {
        if (kind == "RSA") {
            slot.reset(::EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
        } else {
            slot.reset(::EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", kind.c_str()));
        }
        check_ossl(slot != nullptr, "EVP_PKEY_Q_keygen");
    }
    return slot.get();
}

CaKey load_ca_key(const std::string& what, const std::string& ref, X509* cert) {
    if (librecord::pkcs11::is_uri(ref)) {
        return CaKey{librecord::pkcs11::Key{ref}, ossl::share(::X509_get0_pubkey(cert))};
    }

    struct ::stat st {};

    if (::stat(ref.c_str(), &st) != 0) {
        fail(ErrorKind::config, what, "key file " + ref + " missing");
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        fail(ErrorKind::config, what, "key file " + ref + " is accessible by group or others");
    }
    const ossl::BioPtr bio{::BIO_new_file(ref.c_str(), "r")};
    check_ossl(bio != nullptr, "BIO_new_file");
    ossl::EvpPkeyPtr key{::PEM_read_bio_PrivateKey(bio.get(), nullptr, &no_passphrase, nullptr)};
    if (!key) {
        fail(ErrorKind::config,
             what,
             "unreadable or encrypted key " + ref + ": " + ossl::drain_errors());
    }
    return CaKey{std::move(key)};
}

}  // namespace cassiopeia::server
