// Request ids (docs/protocol.md §5, §6): `<namespace>:<decimal id>`, e.g. `webdb:1234`.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace librecord {

namespace request_id_limits {
/// Longest namespace: lower-case letters, digits and '-' (docs/protocol.md §8).
inline constexpr size_t max_namespace = 32;
/// The id is a non-negative 63-bit decimal, so it fits PostgreSQL's bigint and SQLite's integer.
inline constexpr uint64_t max_number = 0x7FFF'FFFF'FFFF'FFFFULL;
}  // namespace request_id_limits

/** The namespaces the client uses: one-shot commands and WebDB jobs (docs/conventions.md §1). */
inline constexpr std::string_view cli_namespace = "cli";
inline constexpr std::string_view webdb_namespace = "webdb";

/**
 * True for `<namespace>:<decimal>`: a namespace of 1 to max_namespace characters from
 * [a-z0-9-], then a decimal without leading zeros of at most max_number.
 */
[[nodiscard]] bool valid_request_id(std::string_view id) noexcept;

/** `<ns>:<number>`. Precondition: ns is a valid namespace and number <= max_number. */
[[nodiscard]] std::string make_request_id(std::string_view ns, uint64_t number);

}  // namespace librecord
