// Certificate issuance: rebuild from the records and the profile, lint, sign (§5.2-§5.4).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "issuance/ca_store.hpp"
#include "issuance/profile.hpp"
#include "issuance/request.hpp"
#include "util/signer_error.hpp"
#include "util/time_util.hpp"

#include <librecord/ossl/handles.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace cassiopeia::server {

struct IssuedCertificate {
    ossl::X509Ptr cert;
    std::vector<uint8_t> der;
    std::string ca_name;
    std::string serial_hex;  ///< docs/protocol.md §5.4 text form
    SysSeconds not_before;
    SysSeconds not_after;
};

/** Upper-case hex of the serial's magnitude, even length, no leading 00 (docs/protocol.md §5.4). */
[[nodiscard]] std::string serial_text(const ASN1_INTEGER* serial);

class Issuer final {
public:
    Issuer(const ProfileSet& profiles, const CaStore& cas) : m_profiles(profiles), m_cas(cas) {}

    /**
     * Issues the certificate a complete SignRequest asks for, at signing time `now`. Appends
     * one short line per step to `log` (the future setLog payload), also on refusal.
     * Refusals are values (§5.8); a failing OpenSSL call throws cassiopeia::Error.
     * `allow_local_only` is for the local key-ceremony command only, never for the line.
     */
    [[nodiscard]] Refusable<IssuedCertificate> issue(const SignRequest& req,
                                                     SysSeconds now,
                                                     std::vector<std::string>& log,
                                                     bool allow_local_only = false);

    /**
     * The key ceremony only (docs/key-ceremony.md), never the line: issues `req`, whose profile
     * must be a local-only CA profile (`subca`), signed by `root` (its certificate and key,
     * named for the log), with the checks, limits and lint of issue(). No proofs of freshness:
     * the operator at the ceremony vouches for the names.
     */
    [[nodiscard]] Refusable<IssuedCertificate> issue_by_root(const SignRequest& req,
                                                             const TimeCa& root,
                                                             SysSeconds now,
                                                             std::vector<std::string>& log);

private:
    /** Validity, proofs (when `check_proofs`), build, lint and the signature of `ca`. */
    [[nodiscard]] Refusable<IssuedCertificate> sign_as(const SignRequest& req,
                                                       const Profile& profile,
                                                       const TimeCa& ca,
                                                       SysSeconds now,
                                                       std::vector<std::string>& log,
                                                       bool check_proofs);

    const ProfileSet& m_profiles;
    const CaStore& m_cas;
};

}  // namespace cassiopeia::server
