// OpenPGP user IDs: the one mailbox a certification may be proven for (docs/protocol.md §5.3,
// §5.5). Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "gpg/user_id.hpp"

#include <algorithm>
#include <cstdint>

namespace cassiopeia::server {

namespace {

/** True if `text` is well-formed UTF-8 (RFC 3629: no overlongs, surrogates or values past
 * U+10FFFF). */
bool valid_utf8(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
        const auto b = static_cast<uint8_t>(text[i]);
        size_t len = 0;
        uint32_t cp = 0;
        if (b < 0x80U) {
            ++i;
            continue;
        }
        if (b >= 0xC2U && b <= 0xDFU) {
            len = 2;
            cp = b & 0x1FU;
        } else if (b >= 0xE0U && b <= 0xEFU) {
            len = 3;
            cp = b & 0x0FU;
        } else if (b >= 0xF0U && b <= 0xF4U) {
            len = 4;
            cp = b & 0x07U;
        } else {
            return false;
        }
        if (len > text.size() - i) {
            return false;
        }
        for (size_t k = 1; k < len; ++k) {
            const auto c = static_cast<uint8_t>(text[i + k]);
            if ((c & 0xC0U) != 0x80U) {
                return false;
            }
            cp = (cp << 6U) | (c & 0x3FU);
        }
        const uint32_t min = len == 2 ? 0x80U : (len == 3 ? 0x800U : 0x10000U);
        if (cp < min || cp > 0x10FFFFU || (cp >= 0xD800U && cp <= 0xDFFFU)) {
            return false;
        }
        i += len;
    }
    return true;
}

/** C0 controls (line breaks included), DEL, and the C1 controls U+0080-U+009F. */
bool has_control(std::string_view text) {
    for (size_t i = 0; i < text.size(); ++i) {
        const auto b = static_cast<uint8_t>(text[i]);
        if (b < 0x20U || b == 0x7FU) {
            return true;
        }
        if (b == 0xC2U && i + 1 < text.size()) {
            const auto next = static_cast<uint8_t>(text[i + 1]);
            if (next >= 0x80U && next <= 0x9FU) {
                return true;
            }
        }
    }
    return false;
}

}  // namespace

std::optional<std::string> user_id_address(std::string_view uid) {
    // One `<` and one `>`, the latter last: then the first and the only mailbox are the same,
    // whichever rule a reader applies (GnuPG takes the first `<...>`).
    if (uid.empty() || uid.back() != '>' || !valid_utf8(uid) || has_control(uid) ||
        std::count(uid.begin(), uid.end(), '<') != 1 ||
        std::count(uid.begin(), uid.end(), '>') != 1) {
        return std::nullopt;
    }
    const size_t open = uid.find('<');
    if (open + 2 >= uid.size()) {
        return std::nullopt;
    }
    std::string addr{uid.substr(open + 1, uid.size() - open - 2)};
    if (addr.find_first_of(" \t") != std::string::npos || addr.find('@') == std::string::npos) {
        return std::nullopt;
    }
    return addr;
}

}  // namespace cassiopeia::server
