// A CA's private key: a 0600 file held in memory, or a key in a PKCS#11 token that never
// leaves it (docs/hsm.md). Copyright (c) 2026 the Cassiopeia authors.
// Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/ossl/handles.hpp>
#include <librecord/pkcs11.hpp>

#include <optional>
#include <string>

namespace cassiopeia::server {

class CaKey final {
public:
    CaKey() = default;
    /** A key read from a file (its public half comes with it). */
    CaKey(ossl::EvpPkeyPtr file_key);  // NOLINT(google-explicit-constructor): a file key is a key
    /** A key in a token; `public_key` is the certificate's, for the key type and the checks. */
    CaKey(librecord::pkcs11::Key token_key, ossl::EvpPkeyPtr public_key);

    /** True when a key was set. */
    [[nodiscard]] explicit operator bool() const noexcept { return m_public != nullptr; }

    /** The public half (for a file key, the key itself). */
    [[nodiscard]] EVP_PKEY* public_key() const noexcept { return m_public.get(); }

    /** The private key of a file key; nullptr for a key in a token. */
    [[nodiscard]] EVP_PKEY* file_key() const noexcept { return m_token ? nullptr : m_public.get(); }

    /** The key in a token, or nullptr for a file key. */
    [[nodiscard]] const librecord::pkcs11::Key* token() const noexcept {
        return m_token ? &*m_token : nullptr;
    }

    /**
     * Signs `cert` with `md`. A key in a token signs the DER TBS that OpenSSL encodes, with the
     * signature algorithm written in first; the result is verified with the public key.
     * Throws cassiopeia::Error{crypto} (a token fault or a signature that does not verify).
     */
    void sign(X509* cert, const EVP_MD* md) const;
    /** Signs `crl` with `md`, as sign(X509*). */
    void sign(X509_CRL* crl, const EVP_MD* md) const;
    /** Signs `req` (a CSR of this key, for the key ceremony) with `md`, as sign(X509*). */
    void sign(X509_REQ* req, const EVP_MD* md) const;

    /**
     * Proves the key can sign and belongs to `cert`: a file key is compared with the
     * certificate, a key in a token signs a probe that the certificate's key verifies.
     * Throws cassiopeia::Error{config} on a mismatch, {crypto} on a token fault.
     */
    void check_matches(X509* cert) const;

private:
    std::optional<librecord::pkcs11::Key> m_token;
    ossl::EvpPkeyPtr m_public;
};

/**
 * A throwaway key of `like`'s type (RSA, or EC on the same curve), made once per type and kept:
 * its signature only writes the signature algorithm into a structure that the real key signs
 * afterwards.
 */
[[nodiscard]] EVP_PKEY* throwaway_key_like(EVP_PKEY* like);

/**
 * The key `ref` names: a pkcs11: URI, or a PEM file (mode 0600, unencrypted) read now.
 * `cert` is the certificate whose key it must be. Throws cassiopeia::Error{config}.
 */
[[nodiscard]] CaKey load_ca_key(const std::string& what, const std::string& ref, X509* cert);

}  // namespace cassiopeia::server
