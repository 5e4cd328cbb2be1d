// OpenPGP user IDs: the one mailbox a certification may be proven for (docs/protocol.md §5.3).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cassiopeia::server {

/**
 * The address inside the one `<...>` that ends a user ID (§5.3); nullopt when there is none, or
 * when the user ID has more than one `<` or `>`, a control character (C0, DEL, C1; line breaks
 * included) or is not valid UTF-8: such a user ID is never certified.
 */
[[nodiscard]] std::optional<std::string> user_id_address(std::string_view uid);

}  // namespace cassiopeia::server
