// The CRL vocabulary shared by the CRL book, the CRL signer and the signing service
// (docs/protocol.md §5.6): entries, the signer's input and output, state and revoke outcomes.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "util/time_util.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::server {

/// RFC 5280 reason names that docs/protocol.md §5.6 allows; returns the CRLReason code
/// (keyCompromise 1, affiliationChanged 3, superseded 4, cessationOfOperation 5,
/// privilegeWithdrawn 9) or nullopt for any other name.
[[nodiscard]] std::optional<int> crl_reason_code(std::string_view name);

/// One entry of a CRL.
struct RevocationEntry {
    std::string serial;  ///< canonical §5.4 text
    UnixTime revoked_at{};
    std::optional<std::string> reason;  ///< a name crl_reason_code() accepts; none = unspecified
};

/// A serial to revoke as it came from addSerial (any §5.4 form), with an optional reason.
struct RevokeItem {
    std::string serial;
    std::optional<std::string> reason;
};

/// What the CRL signer gets: CRL n's content and the delta from n-1 (docs/protocol.md §5.6).
struct CrlInput {
    std::string ca;
    int64_t crl_number = 0;  ///< n, the number to sign
    UnixTime this_update{};
    UnixTime next_update{};
    std::vector<RevocationEntry> entries;  ///< CRL n, sorted by serial as an integer, ascending
    std::vector<RevocationEntry> added;    ///< in n and not in n-1, same order
    std::vector<std::string> dropped;      ///< in n-1 and not in n, same order
};

/// What the CRL signer returns: CRL n and the RevokedDelta from n-1 to n, both DER.
struct SignedCrl {
    std::vector<uint8_t> crl_der;
    std::vector<uint8_t> delta_der;
};

/// Signs CRL n. Called inside the repository's write transaction, with the repository's lock
/// held: if it throws, nothing is stored and the exception propagates. It must not call back
/// into the repository.
using CrlSigner = std::function<SignedCrl(const CrlInput&)>;

struct CrlState {
    std::string ca;
    int64_t crl_number = 0;
    UnixTime this_update{};
    UnixTime next_update{};
    std::vector<uint8_t> crl_der;
    std::vector<uint8_t> delta_der;  ///< the delta that produced this CRL
    int64_t revoked = 0;             ///< entries on this CRL
};

struct RevokeOutcome {
    enum class Status {
        revoked,         ///< CRL n signed and stored; added/dropped say how it differs from n-1
        unchanged,       ///< every serial was already revoked: nothing signed (§5.6)
        unknown_ca,      ///< no CRL state for this CA (init was never run)
        unknown_serial,  ///< `refused` lists serials never issued or unreadable; nothing done
        bad_reason,      ///< `refused` lists `serial,reason` with a reason §5.6 does not allow
        wrong_ca,        ///< `refused` lists serials of another CA; nothing done
    };
    Status status = Status::unknown_ca;
    std::vector<std::string> refused;
    std::vector<std::string> added;
    std::vector<std::string> dropped;
    CrlState crl;  ///< the state after the call (for refusals: as before, empty if unknown_ca)
};

}  // namespace cassiopeia::server
