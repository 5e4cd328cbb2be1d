// JSON text of the wire and of the client's output.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/json.hpp"

#include "librecord/hex.hpp"

#include <array>

namespace librecord {

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += "\\u00";
            out += to_hex(std::array<uint8_t, 1>{u}, HexCase::lower);
        } else {
            out += c;
        }
    }
    return out + '"';
}

}  // namespace librecord
