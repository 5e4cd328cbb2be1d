// When CRLs are signed without a revocation: the first CRL of every CA and the periodic
// re-issue before nextUpdate (docs/protocol.md §5.6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "crl/crl_types.hpp"
#include "issuance/ca_store.hpp"
#include "repository/repository.hpp"

#include <chrono>

namespace cassiopeia::server {

/** How long a CRL is valid and how long before its nextUpdate it is signed again. */
struct CrlPolicy {
    std::chrono::seconds lifetime{std::chrono::hours(24 * 7)};  ///< nextUpdate - thisUpdate
    std::chrono::seconds resign{std::chrono::hours(24 * 3)};    ///< re-sign this long before
};

/** The CrlSigner that signs with `ca` (which must outlive it). */
[[nodiscard]] CrlSigner crl_signer_for(const TimeCa& ca);

/**
 * Gives every CA its initial CRL and re-signs each CRL that is within policy.resign of its
 * nextUpdate (an expired CA gets one last CRL after its notAfter, then rests). Runs under
 * `repo`'s lock, which the caller must not hold.
 * @return how many CRLs were signed.
 */
int maintain_crls(Repository& repo, const CaStore& cas, const CrlPolicy& policy, SysSeconds now);

}  // namespace cassiopeia::server
