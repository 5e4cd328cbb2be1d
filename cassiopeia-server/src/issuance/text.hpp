// Text from the line: UTF-8 validity, the characters no certificate field may carry, and a safe
// echo of client bytes for refusal messages (docs/protocol.md §5.2, §5.8).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cassiopeia::server {

/** Checks well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
[[nodiscard]] bool valid_utf8(std::string_view s);

/**
 * True when valid UTF-8 `s` holds a character that no subject attribute or SAN may carry:
 * a C0 control, DEL, a C1 control (U+0080..U+009F), or a bidi control (U+061C, U+200E,
 * U+200F, U+202A..U+202E, U+2066..U+2069), which can make a reader see another name.
 * Precondition: valid_utf8(s); invalid input gives true.
 */
[[nodiscard]] bool has_forbidden_char(std::string_view s);

/**
 * Client bytes for a refusal message: at most `max_chars` characters of `bytes`, cut at a
 * character boundary (`...` appended when cut). Printable UTF-8 is kept; every byte of an
 * invalid sequence, a control or bidi character (has_forbidden_char) and `\` is written
 * `\xHH`. The result is always valid UTF-8 without controls, so a client can store it.
 */
[[nodiscard]] std::string echo_text(std::string_view bytes, size_t max_chars);

/**
 * The last guard on every refusal message the signer sends: `text` with every byte of an
 * invalid sequence and of a control or bidi character written `\xHH`, everything else as is.
 * The result is valid UTF-8 (a PostgreSQL text column takes it).
 */
[[nodiscard]] std::string utf8_safe(std::string_view text);

}  // namespace cassiopeia::server
