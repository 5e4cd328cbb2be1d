// PKCS#10 and SPKAC parsing with strict length checks, signature check and key policy.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/csr.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <array>
#include <climits>
#include <optional>
#include <vector>

namespace cassiopeia::server {

namespace {

constexpr std::string_view pem_begin = "-----BEGIN ";
constexpr std::string_view pem_csr_label = "CERTIFICATE REQUEST";

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool only_space(std::string_view s) {
    return std::all_of(s.begin(), s.end(), is_space);
}

using RsaPssParamsPtr = std::unique_ptr<RSA_PSS_PARAMS, librecord::CFree<&::RSA_PSS_PARAMS_free>>;

// Hashes a self-signature may use: SHA-2 and SHA-3 of 224 bits and more, never MD5 or SHA-1.
bool trusted_hash(int md_nid) {
    constexpr std::array<int, 7> trusted{
        NID_sha224, NID_sha256, NID_sha384, NID_sha512, NID_sha3_256, NID_sha3_384, NID_sha3_512};
    return std::find(trusted.begin(), trusted.end(), md_nid) != trusted.end();
}

// The hash of an AlgorithmIdentifier of a digest; an absent one is RFC 4055's default, SHA-1.
int hash_nid(const X509_ALGOR* alg) {
    if (alg == nullptr) {
        return NID_sha1;
    }
    const ASN1_OBJECT* obj = nullptr;
    ::X509_ALGOR_get0(&obj, nullptr, nullptr, alg);
    return ::OBJ_obj2nid(obj);
}

// RSASSA-PSS (RFC 4055 §3.1): both the message hash and MGF1's hash must be trusted ones;
// absent parameters mean SHA-1 for both.
bool trusted_pss(const X509_ALGOR* sig_alg) {
    const RsaPssParamsPtr pss{static_cast<RSA_PSS_PARAMS*>(
        ::ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS), sig_alg->parameter))};
    if (!pss || !trusted_hash(hash_nid(pss->hashAlgorithm))) {
        return false;
    }
    if (pss->maskGenAlgorithm == nullptr ||
        ::OBJ_obj2nid(pss->maskGenAlgorithm->algorithm) != NID_mgf1) {
        return false;
    }
    const ossl::X509AlgorPtr mgf_hash{static_cast<X509_ALGOR*>(
        ::ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR), pss->maskGenAlgorithm->parameter))};
    return mgf_hash && trusted_hash(hash_nid(mgf_hash.get()));
}

// The self-signature's algorithm must hash with a trusted hash (csr_signature otherwise): a
// request signed with MD5 or SHA-1 proves nothing about who holds the key.
Status check_signature_algorithm(const X509_ALGOR* sig_alg) {
    const ASN1_OBJECT* obj = nullptr;
    ::X509_ALGOR_get0(&obj, nullptr, nullptr, sig_alg);
    const int sig_nid = ::OBJ_obj2nid(obj);
    int md_nid = NID_undef;
    int pkey_nid = NID_undef;
    bool trusted = false;
    if (sig_nid == NID_rsassaPss) {
        trusted = trusted_pss(sig_alg);
    } else if (::OBJ_find_sigid_algs(sig_nid, &md_nid, &pkey_nid) == 1) {
        // EdDSA hashes inside the algorithm (RFC 8032); the key policy decides on those keys.
        trusted = trusted_hash(md_nid) ||
                  (md_nid == NID_undef && (pkey_nid == NID_ED25519 || pkey_nid == NID_ED448));
    }
    ::ERR_clear_error();
    if (!trusted) {
        const char* name = sig_nid == NID_undef ? "unknown" : ::OBJ_nid2sn(sig_nid);
        return refuse(ErrorCode::csr_signature,
                      std::string{"self-signed with "} + name +
                          ", not a SHA-2 or SHA-3 hash of 224 bits or more");
    }
    return ok_status();
}

// Verifies the signature result and the key; shared by PKCS#10 and SPKAC.
Refusable<RequestKey> finish_key(ossl::EvpPkeyPtr key, const X509_ALGOR* sig_alg, int verify_rc) {
    ::ERR_clear_error();  // a refused request leaves nothing in the thread's queue
    if (auto st = check_signature_algorithm(sig_alg); !st) {
        return std::move(st).error();
    }
    if (verify_rc != 1) {
        return refuse(ErrorCode::csr_signature, "the self-signature does not verify");
    }
    auto policy = check_key_policy(key.get());
    if (!policy) {
        return std::move(policy).error();
    }
    return RequestKey{std::move(key), std::move(policy).value()};
}

Refusable<RequestKey> from_der(std::span<const uint8_t> der) {
    if (der.empty() || der.size() > static_cast<size_t>(INT_MAX)) {
        return refuse(ErrorCode::bad_csr, "empty or oversized request");
    }
    const unsigned char* p = der.data();
    ossl::X509ReqPtr req{::d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size()))};
    if (!req) {
        ::ERR_clear_error();
        return refuse(ErrorCode::bad_csr, "not a PKCS#10 request");
    }
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic): consumed-count check
    if (p != der.data() + der.size()) {
        return refuse(ErrorCode::bad_csr, "trailing bytes after the request");
    }
    ossl::EvpPkeyPtr key{::X509_REQ_get_pubkey(req.get())};
    if (!key) {
        ::ERR_clear_error();
        return refuse(ErrorCode::weak_key, "public key type not supported");
    }
    const int rc = ::X509_REQ_verify(req.get(), key.get());
    const X509_ALGOR* sig_alg = nullptr;
    ::X509_REQ_get0_signature(req.get(), nullptr, &sig_alg);
    return finish_key(std::move(key), sig_alg, rc);
}

Refusable<RequestKey> from_pem(std::string_view text) {
    const size_t begin = text.find(pem_begin);
    if (begin == std::string_view::npos || !only_space(text.substr(0, begin)) ||
        text.find(pem_begin, begin + 1) != std::string_view::npos) {
        return refuse(ErrorCode::bad_csr, "not DER and not exactly one PEM block");
    }
    if (text.size() > static_cast<size_t>(INT_MAX)) {
        return refuse(ErrorCode::bad_csr, "oversized request");
    }
    ossl::BioPtr bio{::BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))};
    ossl::check_ossl(bio != nullptr, "BIO_new_mem_buf");
    char* name_raw = nullptr;
    char* header_raw = nullptr;
    unsigned char* data_raw = nullptr;
    long len = 0;
    const int rc = ::PEM_read_bio(bio.get(), &name_raw, &header_raw, &data_raw, &len);
    const ossl::OsslStringPtr name{name_raw};
    const ossl::OsslStringPtr header{header_raw};
    const ossl::OsslBytesPtr data{data_raw};
    if (rc != 1) {
        ::ERR_clear_error();
        return refuse(ErrorCode::bad_csr, "unreadable PEM block");
    }
    if (std::string_view{name.get()} != pem_csr_label || (header && header.get()[0] != '\0')) {
        return refuse(ErrorCode::bad_csr, "PEM block is not a CERTIFICATE REQUEST");
    }
    // Whatever follows the END line must be whitespace.
    std::array<char, 256> rest{};
    int n = 0;
    while ((n = ::BIO_read(bio.get(), rest.data(), static_cast<int>(rest.size()))) > 0) {
        if (!only_space(std::string_view{rest.data(), static_cast<size_t>(n)})) {
            return refuse(ErrorCode::bad_csr, "trailing data after the PEM block");
        }
    }
    return from_der(std::span<const uint8_t>{data.get(), static_cast<size_t>(len)});
}

// Strict base64: A-Z a-z 0-9 + /, length a multiple of 4, '=' only as the last one or two.
std::optional<std::vector<uint8_t>> decode_base64(std::string_view in) {
    std::string clean;
    clean.reserve(in.size());
    for (const char c : in) {
        if (!is_space(c)) {
            clean.push_back(c);
        }
    }
    if (clean.empty() || clean.size() % 4 != 0 || clean.size() > static_cast<size_t>(INT_MAX)) {
        return std::nullopt;
    }
    size_t pad = 0;
    for (size_t i = 0; i < clean.size(); ++i) {
        const char c = clean[i];
        const bool alnum =
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (c == '=') {
            if (i + 2 < clean.size()) {
                return std::nullopt;
            }
            ++pad;
        } else if ((!alnum && c != '+' && c != '/') || pad > 0) {
            return std::nullopt;
        }
    }
    std::vector<uint8_t> out(clean.size() / 4 * 3);
    // reinterpret_cast: OpenSSL takes the base64 text as unsigned char.
    const int n = ::EVP_DecodeBlock(out.data(),
                                    reinterpret_cast<const unsigned char*>(clean.data()),
                                    static_cast<int>(clean.size()));
    if (n < 0 || static_cast<size_t>(n) != out.size()) {
        return std::nullopt;
    }
    out.resize(out.size() - pad);  // EVP_DecodeBlock counts the padding as zero bytes
    return out;
}

}  // namespace

Refusable<std::string> check_key_policy(EVP_PKEY* key) {
    const int id = ::EVP_PKEY_get_base_id(key);
    if (id == EVP_PKEY_RSA) {
        const int bits = ::EVP_PKEY_get_bits(key);
        if (bits < key_limits::min_rsa_bits || bits > key_limits::max_rsa_bits) {
            return refuse(ErrorCode::weak_key,
                          "RSA key of " + std::to_string(bits) + " bits (2048 to 8192 accepted)");
        }
        BIGNUM* e_raw = nullptr;
        if (::EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e_raw) != 1) {
            ::ERR_clear_error();
            return refuse(ErrorCode::weak_key, "RSA key without a readable exponent");
        }
        const ossl::BignumPtr e{e_raw};
        if (::BN_is_odd(e.get()) != 1 || ::BN_cmp(e.get(), ::BN_value_one()) <= 0 ||
            ::BN_is_word(e.get(), 1) == 1) {
            return refuse(ErrorCode::weak_key, "RSA public exponent must be odd and at least 3");
        }
        return "RSA " + std::to_string(bits);
    }
    if (id == EVP_PKEY_EC) {
        std::array<char, 64> group{};
        size_t len = 0;
        if (::EVP_PKEY_get_utf8_string_param(
                key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &len) != 1) {
            ::ERR_clear_error();
            return refuse(ErrorCode::weak_key, "EC key with explicit or unknown curve parameters");
        }
        const std::string_view g{group.data(), len};
        std::string label;
        if (g == "prime256v1") {
            label = "EC P-256";
        } else if (g == "secp384r1") {
            label = "EC P-384";
        } else {
            return refuse(ErrorCode::weak_key, "EC curve " + std::string{g} + " not accepted");
        }
        // The point must lie on the curve.
        const ossl::EvpPkeyCtxPtr ctx{::EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr)};
        ossl::check_ossl(ctx != nullptr, "EVP_PKEY_CTX_new_from_pkey");
        if (::EVP_PKEY_public_check(ctx.get()) != 1) {
            ::ERR_clear_error();
            return refuse(ErrorCode::weak_key, "EC public key is not a valid point");
        }
        return label;
    }
    return refuse(ErrorCode::weak_key,
                  std::string{"key type "} + ::OBJ_nid2sn(id) + " not accepted (RSA or EC only)");
}

Refusable<RequestKey> parse_pkcs10(std::span<const uint8_t> bytes) {
    if (!bytes.empty() && bytes.front() == 0x30) {
        return from_der(bytes);
    }
    // reinterpret_cast: the PEM text is the same bytes viewed as characters.
    return from_pem(std::string_view{reinterpret_cast<const char*>(bytes.data()), bytes.size()});
}

Refusable<RequestKey> parse_spkac(std::string_view base64) {
    constexpr std::string_view prefix = "SPKAC=";
    if (base64.substr(0, prefix.size()) == prefix) {
        base64.remove_prefix(prefix.size());
    }
    const auto der = decode_base64(base64);
    if (!der) {
        return refuse(ErrorCode::bad_csr, "not valid base64");
    }
    const unsigned char* p = der->data();
    ossl::NetscapeSpkiPtr spki{::d2i_NETSCAPE_SPKI(nullptr, &p, static_cast<long>(der->size()))};
    if (!spki) {
        ::ERR_clear_error();
        return refuse(ErrorCode::bad_csr, "not an SPKAC");
    }
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic): consumed-count check
    if (p != der->data() + der->size()) {
        return refuse(ErrorCode::bad_csr, "trailing bytes after the SPKAC");
    }
    ossl::EvpPkeyPtr key{::NETSCAPE_SPKI_get_pubkey(spki.get())};
    if (!key) {
        ::ERR_clear_error();
        return refuse(ErrorCode::weak_key, "public key type not supported");
    }
    const int rc = ::NETSCAPE_SPKI_verify(spki.get(), key.get());
    return finish_key(std::move(key), &spki->sig_algor, rc);
}

}  // namespace cassiopeia::server
