// PKCS#10 and SPKAC parsing with strict length checks, signature check and key policy.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/csr.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>

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

// Verifies the signature result and the key; shared by PKCS#10 and SPKAC.
Refusable<RequestKey> finish_key(ossl::EvpPkeyPtr key, int verify_rc) {
    ::ERR_clear_error();  // a refused request leaves nothing in the thread's queue
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
    return finish_key(std::move(key), rc);
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
    return finish_key(std::move(key), rc);
}

}  // namespace cassiopeia::server
