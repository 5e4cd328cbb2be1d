// The members of the signer's status report (docs/protocol.md §5.7) that the queue daemon
// uses. The bytes come from the line: any input gives a value, never an exception or a crash.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::client {

/** Where a CA's key is, from the entry's `key` member (docs/protocol.md §5.7, docs/hsm.md). */
struct KeyStatus {
    bool in_token = false;  ///< `store` is "token" (else a file)
    bool usable = true;     ///< a file key, or a token that is present and logged in
    std::string token;      ///< the token's label (empty for a file)
    std::string serial;     ///< the token's serial number (empty for a file)
};

/** One usable entry of `cas`: a non-empty name and a CRL number above zero. */
struct CaStatus {
    std::string name;
    uint64_t crl_number = 0;
    std::optional<std::chrono::sys_seconds> next_update;  ///< absent or unreadable: nullopt
    std::optional<KeyStatus> key;  ///< absent (an older signer) or `store` unknown: nullopt
};

/** The signer's audit chain head: the last entry's seq and hash (docs/repository.md). */
struct AuditHead {
    int64_t seq = 0;
    std::string hash;  ///< 64 lower-case hex digits
};

struct StatusReport {
    std::vector<CaStatus> cas;  ///< in the report's order
    /** `audit_seq` and `audit_head`; nullopt when either is missing or malformed. */
    std::optional<AuditHead> audit;
    /** `link_key`, the signer's link key (docs/hsm.md); nullopt when absent or unknown. */
    std::optional<KeyStatus> link_key;
};

/** What parse_status_report() made of the bytes: the report, or why they are not one. */
struct ParsedStatusReport {
    std::optional<StatusReport> report;
    std::string error;  ///< set when there is no report
};

/** Deepest nesting of arrays and objects accepted (the report itself needs 3). */
inline constexpr size_t max_status_report_depth = 16;

/**
 * Reads a status report. Unknown members are ignored (§5.7 allows new ones); an entry of
 * `cas` without a name, or whose `crl_number` is not a decimal number above zero, is skipped;
 * `audit` is set only when `audit_seq` is a decimal number below 2^63 and `audit_head` 64
 * lower-case hex digits; malformed JSON, or nesting deeper than max_status_report_depth, is an
 * error.
 */
[[nodiscard]] ParsedStatusReport parse_status_report(std::span<const uint8_t> json);

/**
 * `json` (one JSON text) indented by four spaces a level, one member or element a line, for a
 * terminal (`status`); strings are copied as they are. Empty objects and arrays stay `{}`, `[]`.
 */
[[nodiscard]] std::string indent_json(std::string_view json);

}  // namespace cassiopeia::client
