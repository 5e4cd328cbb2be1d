// The client's OpenSSL work for issuance.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "ossl/x509.hpp"

#include <librecord/errors.hpp>
#include <librecord/hex.hpp>
#include <librecord/ossl/handles.hpp>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <memory>

namespace cassiopeia::client::ossl {

namespace {

using ::cassiopeia::ossl::BignumPtr;
using ::cassiopeia::ossl::BioPtr;
using ::cassiopeia::ossl::EvpPkeyPtr;
using ::cassiopeia::ossl::NetscapeSpkiPtr;
using ::cassiopeia::ossl::OsslBytesPtr;
using ::cassiopeia::ossl::OsslStringPtr;
using ::cassiopeia::ossl::X509Ptr;
using ::cassiopeia::ossl::X509ReqPtr;

X509ReqPtr parse_der_csr(std::span<const uint8_t> der) {
    const unsigned char* p = der.data();
    X509ReqPtr req{::d2i_X509_REQ(nullptr, &p, static_cast<long>(der.size()))};
    // docs/style.md §6.7: every byte must belong to the request.
    if (req &&
        p != der.data() + der.size()) {  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        return nullptr;
    }
    return req;
}

/** A CA certificate given as PEM or DER (nothing trailing); null if it is neither. */
X509Ptr parse_cert_any(std::span<const uint8_t> input) {
    X509Ptr cert = ::cassiopeia::ossl::parse_cert_der(input);
    if (!cert) {
        ::ERR_clear_error();
        const BioPtr bio{::BIO_new_mem_buf(input.data(), static_cast<int>(input.size()))};
        if (bio) {
            cert.reset(::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
        }
    }
    ::ERR_clear_error();
    return cert;
}

/** True if `issuer` issued `cert`: names and key identifiers match and the signature verifies. */
bool issued_by(X509* cert, std::span<const uint8_t> issuer_cert) {
    const X509Ptr issuer = parse_cert_any(issuer_cert);
    if (!issuer || ::X509_check_issued(issuer.get(), cert) != X509_V_OK) {
        return false;
    }
    EVP_PKEY* key = ::X509_get0_pubkey(issuer.get());
    const bool ok = key != nullptr && ::X509_verify(cert, key) == 1;
    ::ERR_clear_error();
    return ok;
}

/** The public key a request asks to be certified; null when the request does not parse. */
EvpPkeyPtr requested_key(std::span<const uint8_t> csr_der, const std::string& spkac) {
    EvpPkeyPtr requested;
    if (!csr_der.empty()) {
        const auto req = parse_der_csr(csr_der);
        if (req) {
            requested.reset(::X509_REQ_get_pubkey(req.get()));
        }
    } else {
        const NetscapeSpkiPtr spki{
            ::NETSCAPE_SPKI_b64_decode(spkac.c_str(), static_cast<int>(spkac.size()))};
        if (spki) {
            requested.reset(::NETSCAPE_SPKI_get_pubkey(spki.get()));
        }
    }
    return requested;
}

}  // namespace

std::optional<std::string> utc_text(const ASN1_TIME* t) {
    std::tm tm{};
    if (t == nullptr || ::ASN1_TIME_to_tm(t, &tm) != 1) {
        return std::nullopt;
    }
    std::array<char, 32> buf{};
    if (std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        return std::nullopt;
    }
    return std::string(buf.data());
}

std::optional<std::vector<uint8_t>> csr_to_der(std::span<const uint8_t> input) {
    X509ReqPtr req = parse_der_csr(input);
    if (!req) {
        ::ERR_clear_error();
        BioPtr bio{::BIO_new_mem_buf(input.data(), static_cast<int>(input.size()))};
        if (!bio) {
            return std::nullopt;
        }
        req.reset(::PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
        if (!req) {
            ::ERR_clear_error();
            return std::nullopt;
        }
    }
    unsigned char* out = nullptr;
    const int n = ::i2d_X509_REQ(req.get(), &out);
    if (n <= 0) {
        return std::nullopt;
    }
    const OsslBytesPtr owned{out};
    return std::vector<uint8_t>(
        out, out + n);  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
}

std::optional<std::string> spkac_from_file(std::span<const uint8_t> input) {
    std::string text;
    for (const uint8_t c : input) {
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
            text.push_back(static_cast<char>(c));
        }
    }
    constexpr std::string_view prefix = "SPKAC=";
    if (text.starts_with(prefix)) {
        text.erase(0, prefix.size());
    }
    const NetscapeSpkiPtr spki{
        ::NETSCAPE_SPKI_b64_decode(text.c_str(), static_cast<int>(text.size()))};
    if (!spki) {
        ::ERR_clear_error();
        return std::nullopt;
    }
    return text;
}

std::optional<CertificateSummary> check_certificate(std::span<const uint8_t> cert_der,
                                                    std::span<const uint8_t> csr_der,
                                                    const std::string& spkac,
                                                    std::span<const uint8_t> issuer_cert) {
    const X509Ptr cert = ::cassiopeia::ossl::parse_cert_der(cert_der);
    if (!cert || !issued_by(cert.get(), issuer_cert)) {
        ::ERR_clear_error();
        return std::nullopt;
    }
    const EvpPkeyPtr requested = requested_key(csr_der, spkac);
    const EVP_PKEY* issued = ::X509_get0_pubkey(cert.get());
    if (!requested || issued == nullptr || ::EVP_PKEY_eq(requested.get(), issued) != 1) {
        ::ERR_clear_error();
        return std::nullopt;
    }
    CertificateSummary s;
    const BignumPtr serial{::ASN1_INTEGER_to_BN(::X509_get0_serialNumber(cert.get()), nullptr)};
    const OsslStringPtr hex{serial ? ::BN_bn2hex(serial.get()) : nullptr};
    const auto from = utc_text(::X509_get0_notBefore(cert.get()));
    const auto to = utc_text(::X509_get0_notAfter(cert.get()));
    if (!hex || !from || !to) {
        return std::nullopt;
    }
    s.serial = hex.get();  // §5.4: BN_bn2hex writes whole bytes in upper case, no 00 prefix
    s.not_before = *from;
    s.not_after = *to;
    // docs/protocol.md §5.2: a notAfter past the CA's is cut to the CA's own.
    const X509Ptr issuer = parse_cert_any(issuer_cert);
    s.clamped = issuer && ::ASN1_TIME_compare(::X509_get0_notAfter(cert.get()),
                                              ::X509_get0_notAfter(issuer.get())) == 0;
    const BioPtr bio{::BIO_new(::BIO_s_mem())};
    if (!bio || ::PEM_write_bio_X509(bio.get(), cert.get()) != 1) {
        return std::nullopt;
    }
    char* data = nullptr;
    const long len =
        BIO_get_mem_data(bio.get(), &data);  // NOLINT(cppcoreguidelines-pro-type-cstyle-cast)
    s.pem.assign(data, static_cast<size_t>(len));
    return s;
}

std::string sha256_hex(std::span<const uint8_t> data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int n = 0;
    if (::EVP_Digest(data.data(), data.size(), md.data(), &n, ::EVP_sha256(), nullptr) != 1) {
        throw Error(ErrorKind::crypto, "EVP_Digest", "SHA-256 failed");
    }
    return librecord::to_hex(std::span(md).first(n), librecord::HexCase::lower);
}

uint64_t random_request_number() {
    while (true) {
        std::array<unsigned char, 8> raw{};
        if (::RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
            throw Error(ErrorKind::crypto, "RAND_bytes", "no randomness");
        }
        uint64_t v = 0;
        for (const unsigned char b : raw) {
            v = (v << 8U) | b;
        }
        v &= 0x7FFFFFFFFFFFFFFFULL;
        if (v != 0) {
            return v;
        }
    }
}

}  // namespace cassiopeia::client::ossl
