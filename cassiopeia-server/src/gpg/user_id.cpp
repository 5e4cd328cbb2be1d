// OpenPGP user IDs: the one mailbox a certification may be proven for (docs/protocol.md §5.3,
// §5.5). Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "gpg/user_id.hpp"

#include "issuance/request.hpp"

#include <algorithm>
#include <cstdint>

namespace cassiopeia::server {

namespace {

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
    if (addr.find(' ') != std::string::npos || addr.find('@') == std::string::npos) {
        return std::nullopt;
    }
    return addr;
}

}  // namespace cassiopeia::server
