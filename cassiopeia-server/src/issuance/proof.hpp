// Proof lines (addProofLine, docs/protocol.md §5.3): parsing, matching and freshness.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "issuance/profile.hpp"
#include "util/signer_error.hpp"
#include "util/time_util.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cassiopeia::server {

// §5.3: a proof more than 300 s ahead of the signer's clock is refused.
inline constexpr std::chrono::seconds proof_future_skew{300};

/** One addProofLine: `<timestamp>,<table>,<primary key>,<column>=<value>[,...]`, decoded. */
struct ProofLine {
    SysSeconds timestamp;
    std::string table;
    std::string primary_key;
    std::vector<std::pair<std::string, std::string>> columns;

    /** The decoded value of `column`, or nullopt. */
    [[nodiscard]] std::optional<std::string_view> column(std::string_view name) const;
};

/** Decodes `%25 %2C %3D` (upper case, as §5.3 writes them); any other `%` gives nullopt. */
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view field);

/**
 * Parses an addProofLine payload; bad_request on any syntax fault, on a table outside §5.3's
 * (`emails`, `domains`, `organisations`, `names`), and on a primary key that is not a decimal
 * id of 1 to 19 digits. Refusal messages show fields through a printable escape.
 */
[[nodiscard]] Refusable<ProofLine> parse_proof_line(std::string_view payload);

/** How a proof value is compared with the certificate's value (§5.3 table). */
enum class ProofMatch {
    exact,             ///< byte for byte (organisation fields, names)
    case_insensitive,  ///< ASCII case-insensitive (domain names)
    email,             ///< local part exact, domain case-insensitive
};

/** What one SAN or AVA needs: a proof in `table` whose `column` equals `value`. */
struct ProofNeed {
    std::string what;  ///< for messages and the log: `SAN DNS,example.org`
    std::string table;
    std::string column;
    std::string value;
    ProofMatch match = ProofMatch::exact;
};

[[nodiscard]] bool proof_value_matches(ProofMatch match,
                                       std::string_view proof,
                                       std::string_view want);

/**
 * Finds a fresh proof for `need` (§5.3): none matching -> proof_missing; every match older than
 * the profile's maximum age for the table -> proof_stale; every match more than 300 s ahead
 * -> proof_future (stale wins when both kinds exist but no fresh one). A fresh match is
 * logged and accepted.
 */
[[nodiscard]] Status check_proof(const std::vector<ProofLine>& proofs,
                                 const ProofNeed& need,
                                 const Profile& profile,
                                 SysSeconds now,
                                 std::vector<std::string>& log);

/** Fields that must all come from ONE row of `table`, each compared exactly (§5.3). */
struct RowNeed {
    std::string what;  ///< for messages and the log: `AVA O,Example C,DE`
    std::string table;
    std::vector<std::pair<std::string, std::string>> fields;  ///< column, value
};

/**
 * Finds one fresh proof line of `need.table` whose columns equal every field of `need`, with
 * the outcomes of check_proof. The organisation fields of a subject (O, C, ST, L) are proven
 * together this way, so a subject never mixes the rows of two organisations.
 */
[[nodiscard]] Status check_row_proof(const std::vector<ProofLine>& proofs,
                                     const RowNeed& need,
                                     const Profile& profile,
                                     SysSeconds now,
                                     std::vector<std::string>& log);

}  // namespace cassiopeia::server
