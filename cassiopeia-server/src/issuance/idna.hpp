// IDNA 2008 checks of the A-labels in DNS names (docs/protocol.md §5.2), over libidn2.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <string_view>

namespace cassiopeia::server {

/**
 * True when every `xn--` label of the lower-case LDH name `name` is a valid IDNA 2008 A-label
 * (RFC 5891 §5): its Punycode decodes, the U-label passes IDNA 2008 lookup, and encoding it
 * again gives back exactly the same label. A name without `xn--` labels is true.
 */
[[nodiscard]] bool valid_a_labels(std::string_view name);

}  // namespace cassiopeia::server
