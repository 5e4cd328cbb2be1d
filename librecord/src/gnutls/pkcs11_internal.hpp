// Private: the state behind pkcs11::Key, shared with the TLS credentials that sign through it.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/pkcs11.hpp>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>

#include <mutex>
#include <string>

namespace librecord::pkcs11 {

/** Holds the process's token lock: every Impl member and GnuTLS PKCS#11 call needs it. */
[[nodiscard]] std::unique_lock<std::mutex> lock_tokens();

struct Key::Impl {
    explicit Impl(std::string u);
    ~Impl();
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    Impl(Impl&&) = delete;
    Impl& operator=(Impl&&) = delete;

    /**
     * The open key (the lock is held): re-initialises the module first after a fault, then
     * imports the URI (logging in). Throws cassiopeia::Error{crypto} and marks a fault.
     */
    gnutls_privkey_t open();
    /** Drops the handle, marks a fault and throws cassiopeia::Error{crypto} for `call`. */
    [[noreturn]] void failed(const char* call, int rc);
    /** Drops the handle (the lock is held). */
    void close() noexcept;

    std::string uri;
    gnutls_privkey_t handle = nullptr;
    int pk = GNUTLS_PK_UNKNOWN;  ///< of the last opened handle
    unsigned bits = 0;
};

/**
 * A GnuTLS private key for TLS credentials whose every signature goes through `key` (and so
 * survives the re-initialisation after a token fault). `pk` and `bits` come from the
 * certificate. The caller owns the result; `key` must outlive it.
 */
[[nodiscard]] gnutls_privkey_t tls_privkey(Key& key, gnutls_pk_algorithm_t pk, unsigned bits);

}  // namespace librecord::pkcs11
