// Hex text of bytes.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/hex.hpp"

namespace librecord {

std::optional<uint8_t> hex_digit_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return static_cast<uint8_t>(c - '0');
    }
    if (c >= 'a' && c <= 'f') {
        return static_cast<uint8_t>(c - 'a' + 10);
    }
    if (c >= 'A' && c <= 'F') {
        return static_cast<uint8_t>(c - 'A' + 10);
    }
    return std::nullopt;
}

std::string to_hex(std::span<const uint8_t> bytes, HexCase hex_case) {
    const std::string_view digits =
        hex_case == HexCase::upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out;
    out.reserve(2 * bytes.size());
    for (const uint8_t b : bytes) {
        out.push_back(digits.at(b >> 4U));
        out.push_back(digits.at(b & 0x0FU));
    }
    return out;
}

Result<std::vector<uint8_t>> from_hex(std::string_view hex) {
    if (hex.size() % 2 != 0) {
        return Errc::bad_hex;
    }
    std::vector<uint8_t> out;
    out.reserve(hex.size() / 2);
    for (size_t i = 0; i < hex.size(); i += 2) {
        const auto hi = hex_digit_value(hex[i]);
        const auto lo = hex_digit_value(hex[i + 1]);
        if (!hi || !lo) {
            return Errc::bad_hex;
        }
        out.push_back(static_cast<uint8_t>((*hi << 4U) | *lo));
    }
    return out;
}

}  // namespace librecord
