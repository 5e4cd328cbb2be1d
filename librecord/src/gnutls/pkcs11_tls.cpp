// The link's TLS key in a token: a GnuTLS external key that signs through pkcs11::Key, so that
// a handshake after a token fault re-opens the key (pkcs11_internal.hpp, docs/hsm.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "gnutls/handles.hpp"
#include "gnutls/pkcs11_internal.hpp"

#include <librecord/errors.hpp>

namespace librecord::pkcs11 {

namespace {

struct TlsKey {
    Key* key;
    gnutls_pk_algorithm_t pk;
    unsigned bits;
};

/** Runs `op` on the open token key; a failure marks a fault and becomes a GnuTLS error. */
template <class Op>
int with_open_key(void* userdata, Op op) noexcept {
    auto* tk = static_cast<TlsKey*>(userdata);
    try {
        const auto lock = lock_tokens();
        Key::Impl& impl = tk->key->impl();
        const int rc = op(impl.open());
        if (rc < 0) {
            impl.failed("TLS signature", rc);
        }
        return rc;
    } catch (...) {
        return GNUTLS_E_PK_SIGN_FAILED;
    }
}

/**
 * GnuTLS's sign_data and sign_hash callbacks in one: `Sign` (gnutls_privkey_sign_data2 or
 * gnutls_privkey_sign_hash2) on the open token key.
 */
template <int (*Sign)(gnutls_privkey_t,
                      gnutls_sign_algorithm_t,
                      unsigned int,
                      const gnutls_datum_t*,
                      gnutls_datum_t*)>
int sign_with(gnutls_privkey_t /*key*/,
              gnutls_sign_algorithm_t algo,
              void* userdata,
              unsigned int flags,
              const gnutls_datum_t* input,
              gnutls_datum_t* signature) noexcept {
    return with_open_key(
        userdata, [&](gnutls_privkey_t k) { return Sign(k, algo, flags, input, signature); });
}

int info(gnutls_privkey_t /*key*/, unsigned int flags, void* userdata) noexcept {
    const auto* tk = static_cast<const TlsKey*>(userdata);
    if ((flags & GNUTLS_PRIVKEY_INFO_PK_ALGO) != 0) {
        return tk->pk;
    }
    if ((flags & GNUTLS_PRIVKEY_INFO_PK_ALGO_BITS) != 0) {
        return static_cast<int>(tk->bits);
    }
    if ((flags & GNUTLS_PRIVKEY_INFO_HAVE_SIGN_ALGO) != 0) {
        const auto sig = static_cast<gnutls_sign_algorithm_t>(GNUTLS_FLAGS_TO_SIGN_ALGO(flags));
        return ::gnutls_sign_supports_pk_algorithm(sig, tk->pk) != 0 ? 1 : 0;
    }
    return -1;
}

void deinit(gnutls_privkey_t /*key*/, void* userdata) noexcept {
    delete static_cast<TlsKey*>(userdata);  // NOLINT(cppcoreguidelines-owning-memory)
}

}  // namespace

gnutls_privkey_t tls_privkey(Key& key, gnutls_pk_algorithm_t pk, unsigned bits) {
    gnutls_privkey_t out = nullptr;
    gnutls::check_gnutls(::gnutls_privkey_init(&out), "gnutls_privkey_init");
    auto* tk = new TlsKey{&key, pk, bits};  // NOLINT(cppcoreguidelines-owning-memory)
    const int rc = ::gnutls_privkey_import_ext4(out,
                                                tk,
                                                &sign_with<&::gnutls_privkey_sign_data2>,
                                                &sign_with<&::gnutls_privkey_sign_hash2>,
                                                nullptr,
                                                &deinit,
                                                &info,
                                                GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE);
    if (rc < 0) {
        delete tk;  // NOLINT(cppcoreguidelines-owning-memory)
        ::gnutls_privkey_deinit(out);
        gnutls::check_gnutls(rc, "gnutls_privkey_import_ext4");
    }
    return out;
}

}  // namespace librecord::pkcs11
