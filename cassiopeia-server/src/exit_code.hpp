// The process exit status of cassiopeia-server's commands (docs/conventions.md §1).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

namespace cassiopeia::server::exit_code {

/** Success. */
inline constexpr int ok = 0;
/** The link, TLS, the database or the keys failed; also a broken audit chain. */
inline constexpr int failure = 1;
/** Bad usage or configuration. */
inline constexpr int usage = 2;
/** The signer refused the request (a `<code> <message>` of docs/protocol.md §5.8). */
inline constexpr int refused = 3;
/** A result failed local verification. */
inline constexpr int verification = 4;

}  // namespace cassiopeia::server::exit_code
