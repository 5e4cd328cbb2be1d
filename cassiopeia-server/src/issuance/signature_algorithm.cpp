// The signature algorithm written before signing (signature_algorithm.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/signature_algorithm.hpp"

#include <librecord/ossl/handles.hpp>

#include <openssl/objects.h>

namespace cassiopeia::server {

using ossl::check_ossl;

bool set_signature_algorithm(X509* cert, EVP_PKEY* ca_key, const EVP_MD* md) {
    const int pkey_nid = ::EVP_PKEY_get_base_id(ca_key);
    int ptype = V_ASN1_UNDEF;
    if (pkey_nid == EVP_PKEY_RSA) {
        ptype = V_ASN1_NULL;
    } else if (pkey_nid != EVP_PKEY_EC && pkey_nid != EVP_PKEY_ED25519 &&
               pkey_nid != EVP_PKEY_ED448) {
        return false;
    }
    // EdDSA names its signature by the key's own OID (RFC 8410), which OpenSSL's table lacks.
    int sig_nid = pkey_nid;
    const int md_nid = md != nullptr ? ::EVP_MD_get_type(md) : NID_undef;
    const bool eddsa = pkey_nid == EVP_PKEY_ED25519 || pkey_nid == EVP_PKEY_ED448;
    if (eddsa ? md_nid != NID_undef : ::OBJ_find_sigid_by_algs(&sig_nid, md_nid, pkey_nid) != 1) {
        return false;
    }
    // OpenSSL hands both AlgorithmIdentifiers out const, but they are the certificate's own
    // fields, the ones X509_sign fills; the signed TBS is compared with the linted one below.
    const X509_ALGOR* outer = nullptr;
    ::X509_get0_signature(nullptr, &outer, cert);
    for (const X509_ALGOR* alg : {::X509_get0_tbs_sigalg(cert), outer}) {
        check_ossl(alg != nullptr &&
                       ::X509_ALGOR_set0(const_cast<X509_ALGOR*>(alg),  // NOLINT(*-const-cast)
                                         ::OBJ_nid2obj(sig_nid),
                                         ptype,
                                         nullptr) == 1,
                   "X509_ALGOR_set0");
    }
    return true;
}

}  // namespace cassiopeia::server
