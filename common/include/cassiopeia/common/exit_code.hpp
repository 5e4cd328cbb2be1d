// The process exit status of both daemons' commands (docs/conventions.md §1).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

namespace cassiopeia::exit_code {

/** Success. */
inline constexpr int ok = 0;
/** The link, TLS, a deadline, the database or the keys failed; also a broken audit chain. */
inline constexpr int failure = 1;
/** Bad usage or configuration. */
inline constexpr int usage = 2;
/**
 * The signer answered `error` with a code of docs/protocol.md §5.8. Named for what the client
 * sees (docs/conventions.md §1 calls status 3 "the signer answered error"); the signer's own
 * commands never return it.
 */
inline constexpr int signer_error = 3;
/** A result failed local verification. */
inline constexpr int verification = 4;

}  // namespace cassiopeia::exit_code
