// check_ossl() and the small helpers around the OpenSSL handle owners.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "ossl/handles.hpp"

#include <librecord/errors.hpp>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include <array>

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

}  // namespace cassiopeia::ossl
