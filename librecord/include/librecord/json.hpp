// JSON text of the wire (the status report, docs/protocol.md §5.7) and of the client's output.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <string>
#include <string_view>

namespace librecord {

/** A JSON string literal: quote, backslash and control characters escaped (RFC 8259 §7). */
[[nodiscard]] std::string json_string(std::string_view s);

}  // namespace librecord
