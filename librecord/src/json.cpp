// JSON text of the wire and of the client's output.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/json.hpp"

namespace librecord {

std::string json_string(std::string_view s) {
    static constexpr std::string_view hex = "0123456789abcdef";
    std::string out = "\"";
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            out += "\\u00";
            out += hex[u >> 4U];
            out += hex[u & 0xFU];
        } else {
            out += c;
        }
    }
    return out + '"';
}

}  // namespace librecord
