// The first CRL of every CA and the periodic re-issue before nextUpdate.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "crl/crl_schedule.hpp"

#include "crl/crl_signer.hpp"
#include "logging.hpp"

namespace cassiopeia::server {

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.server");
    return l;
}

}  // namespace

CrlSigner crl_signer_for(const TimeCa& ca) {
    return [&ca](const CrlInput& in) { return sign_crl(ca, in); };
}

int maintain_crls(Repository& repo, const CaStore& cas, const CrlPolicy& policy, SysSeconds now) {
    auto held = repo.lock();
    auto crls = held.crls();
    int signed_crls = 0;
    for (const auto& ca : cas.all()) {
        if (now < ca.not_before) {
            continue;  // a time CA waiting for its period signs nothing yet
        }
        const auto state = crls.state(ca.name);
        if (!state) {
            (void)crls.init(ca.name, now, now + policy.lifetime, crl_signer_for(ca));
            ++signed_crls;
            continue;
        }
        // An expired CA keeps one CRL issued after its notAfter, then rests.
        if (state->this_update > ca.not_after) {
            continue;
        }
        // Due: within crl.resign_s of nextUpdate, or the CA just expired (its last CRL).
        if (now + policy.resign >= state->next_update || now > ca.not_after) {
            const auto next = crls.renew(ca.name, now, now + policy.lifetime, crl_signer_for(ca));
            LOG4CPLUS_INFO(log(),
                           "CRL " << next.crl_number << " of " << ca.name << " signed, next update "
                                  << format_utc(next.next_update));
            ++signed_crls;
        }
    }
    return signed_crls;
}

}  // namespace cassiopeia::server
