// The status report of docs/protocol.md §5.7 and the CA expiry warnings it and `check` share.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "crl/crl_types.hpp"
#include "issuance/ca_store.hpp"
#include "util/time_util.hpp"

#include <librecord/pkcs11.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cassiopeia::server {

/** One time CA in the status report, with its current CRL when it has one. */
struct CaStatus {
    std::string name;
    SysSeconds not_before{};
    SysSeconds not_after{};
    std::optional<CrlState> crl;
    /// The CA key's token when it is in one (docs/hsm.md); nullopt for a key file.
    std::optional<librecord::pkcs11::TokenState> token;
};

/** What the status report says (docs/protocol.md §5.7). */
struct StatusReport {
    std::string version;
    SysSeconds time{};
    int64_t uptime_s = 0;
    std::vector<CaStatus> cas;
    int64_t certificates = 0;
    int64_t jobs = 0;
    std::string audit_head;
    int64_t audit_seq = 0;  ///< seq of the entry audit_head is the hash of (0: empty chain)
    std::vector<std::string> warnings;
    /// The signer's link key when it is in a token (docs/hsm.md); nullopt for a key file.
    std::optional<librecord::pkcs11::TokenState> link_key;
};

/** The report as one JSON object on one line, in the field order of §5.7. */
[[nodiscard]] std::string to_json(const StatusReport& report);

/** Protocol §5.2: one warning per family whose last time CA has less than 90 days left. */
[[nodiscard]] std::vector<std::string> ca_warnings(const CaStore& cas, SysSeconds now);

}  // namespace cassiopeia::server
