// check_ossl() and the small helpers around the OpenSSL handle owners.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/ossl/handles.hpp"

#include "librecord/errors.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <array>
#include <climits>
#include <memory>

namespace cassiopeia::ossl {

void openssl_free(void* p) noexcept {
    ::OPENSSL_free(p);
}

X509Ptr share(X509* cert) {
    check_ossl(cert != nullptr && ::X509_up_ref(cert) == 1, "X509_up_ref");
    return X509Ptr{cert};
}

EvpPkeyPtr share(EVP_PKEY* key) {
    check_ossl(key != nullptr && ::EVP_PKEY_up_ref(key) == 1, "EVP_PKEY_up_ref");
    return EvpPkeyPtr{key};
}

std::string drain_errors() {
    std::string out;
    std::array<char, 256> buf{};
    while (const unsigned long code = ::ERR_get_error()) {
        ::ERR_error_string_n(code, buf.data(), buf.size());
        if (!out.empty()) {
            out += "; ";
        }
        out += buf.data();
    }
    return out;
}

void check_ossl(bool ok, const char* call) {
    if (!ok) {
        std::string detail = drain_errors();
        if (detail.empty()) {
            detail = "failed";
        }
        throw cassiopeia::Error{cassiopeia::ErrorKind::crypto, call, std::move(detail)};
    }
}

namespace {

/// d2i_<T> over exactly `der`: null unless it consumes every byte.
template <class Ptr, auto D2i>
Ptr parse_exact_der(std::span<const uint8_t> der) {
    if (der.empty() || der.size() > LONG_MAX) {
        return nullptr;
    }
    const unsigned char* p = der.data();
    Ptr owned{D2i(nullptr, &p, static_cast<long>(der.size()))};
    if (!owned || p != std::to_address(der.end())) {
        ::ERR_clear_error();  // a refused input is a value, not an error left for the next call
        return nullptr;
    }
    return owned;
}

}  // namespace

X509CrlPtr parse_crl_der(std::span<const uint8_t> der) {
    return parse_exact_der<X509CrlPtr, &::d2i_X509_CRL>(der);
}

X509Ptr parse_cert_der(std::span<const uint8_t> der) {
    return parse_exact_der<X509Ptr, &::d2i_X509>(der);
}

}  // namespace cassiopeia::ossl
