// The signature algorithm a CA key will sign with, written into a certificate before it is
// signed, so that the pre-issuance lint sees the exact TBS (docs/protocol.md §5.2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

namespace cassiopeia::server {

/**
 * Writes the signature algorithm that X509_sign with `ca_key` and `md` will write into the TBS
 * and the outer field, without signing: RSA PKCS#1 v1.5 (NULL parameters), ECDSA and EdDSA (no
 * parameters), as OpenSSL's own signing does. False for anything else (RSA-PSS carries
 * parameters): the caller then fills them with a throwaway signature. Error{crypto} when
 * OpenSSL fails.
 */
[[nodiscard]] bool set_signature_algorithm(X509* cert, EVP_PKEY* ca_key, const EVP_MD* md);

}  // namespace cassiopeia::server
