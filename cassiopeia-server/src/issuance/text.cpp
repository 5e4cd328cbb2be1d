// UTF-8 decoding for the checks and the refusal echo of text.hpp.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/text.hpp"

#include <librecord/hex.hpp>

#include <array>
#include <cstdint>
#include <optional>

namespace cassiopeia::server {

namespace {

struct CodePoint {
    uint32_t value = 0;
    size_t length = 0;  ///< bytes
};

/** The character starting at s[i], or nullopt when the bytes there are not valid UTF-8. */
std::optional<CodePoint> decode_at(std::string_view s, size_t i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80U) {
        return CodePoint{b0, 1};
    }
    size_t len = 0;
    uint32_t cp = 0;
    if (b0 >= 0xC2U && b0 <= 0xDFU) {
        len = 2;
        cp = b0 & 0x1FU;
    } else if (b0 >= 0xE0U && b0 <= 0xEFU) {
        len = 3;
        cp = b0 & 0x0FU;
    } else if (b0 >= 0xF0U && b0 <= 0xF4U) {
        len = 4;
        cp = b0 & 0x07U;
    } else {
        return std::nullopt;
    }
    if (s.size() - i < len) {
        return std::nullopt;
    }
    for (size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0U) != 0x80U) {
            return std::nullopt;
        }
        cp = (cp << 6U) | (b & 0x3FU);
    }
    if ((len == 3 && (cp < 0x800U || (cp >= 0xD800U && cp <= 0xDFFFU))) ||
        (len == 4 && (cp < 0x10000U || cp > 0x10FFFFU))) {
        return std::nullopt;
    }
    return CodePoint{cp, len};
}

bool forbidden(uint32_t cp) {
    return cp < 0x20U || (cp >= 0x7FU && cp <= 0x9FU) || cp == 0x61CU || cp == 0x200EU ||
           cp == 0x200FU || (cp >= 0x202AU && cp <= 0x202EU) || (cp >= 0x2066U && cp <= 0x2069U);
}

void escape_bytes(std::string_view bytes, std::string& out) {
    for (const char c : bytes) {
        out += "\\x" + librecord::to_hex(std::array<uint8_t, 1>{static_cast<uint8_t>(c)},
                                         librecord::HexCase::lower);
    }
}

/** At most `max_chars` characters of `bytes`, unsafe ones (and `\` if asked) as `\xHH`. */
std::string escaped(std::string_view bytes, size_t max_chars, bool escape_backslash) {
    std::string out;
    size_t chars = 0;
    size_t i = 0;
    while (i < bytes.size() && chars < max_chars) {
        const auto cp = decode_at(bytes, i);
        const size_t len = cp ? cp->length : 1;
        if (!cp || forbidden(cp->value) || (escape_backslash && cp->value == '\\')) {
            escape_bytes(bytes.substr(i, len), out);
        } else {
            out.append(bytes.substr(i, len));
        }
        i += len;
        ++chars;
    }
    if (i < bytes.size()) {
        out += "...";
    }
    return out;
}

}  // namespace

bool valid_utf8(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        const auto cp = decode_at(s, i);
        if (!cp) {
            return false;
        }
        i += cp->length;
    }
    return true;
}

bool has_forbidden_char(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        const auto cp = decode_at(s, i);
        if (!cp || forbidden(cp->value)) {
            return true;
        }
        i += cp->length;
    }
    return false;
}

std::string echo_text(std::string_view bytes, size_t max_chars) {
    return escaped(bytes, max_chars, true);
}

std::string utf8_safe(std::string_view text) {
    return escaped(text, text.size(), false);
}

}  // namespace cassiopeia::server
