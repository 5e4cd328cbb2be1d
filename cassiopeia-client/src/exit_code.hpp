// Exit status of the client's commands (docs/conventions.md §1).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

namespace cassiopeia::exit_code {

inline constexpr int ok = 0;
inline constexpr int failure = 1;       ///< the link, TLS, a deadline or the database failed
inline constexpr int usage = 2;         ///< usage or configuration
inline constexpr int signer_error = 3;  ///< the signer answered `error` (docs/protocol.md §5.8)
inline constexpr int verification = 4;  ///< a result failed local verification

}  // namespace cassiopeia::exit_code
