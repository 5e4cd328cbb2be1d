// Serial numbers in text (docs/protocol.md §5.4).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/serial_text.hpp"

#include "librecord/hex.hpp"

namespace librecord {

std::string format_serial(std::span<const uint8_t> magnitude) {
    size_t first = 0;
    while (first < magnitude.size() && magnitude[first] == 0) {
        ++first;
    }
    if (first == magnitude.size()) {
        return "00";
    }
    return to_hex(magnitude.subspan(first), HexCase::upper);
}

Result<std::vector<uint8_t>> parse_serial(std::string_view text) {
    if (text.size() > serial_limits::max_text_length) {
        return Errc::payload_too_large;
    }
    // Collect the nibbles, checking colon placement: only between two digits.
    std::vector<uint8_t> nibbles;
    nibbles.reserve(text.size());
    bool previous_was_digit = false;
    for (const char c : text) {
        if (c == ':') {
            if (!previous_was_digit) {
                return Errc::bad_hex;
            }
            previous_was_digit = false;
            continue;
        }
        const auto v = hex_digit_value(c);
        if (!v) {
            return Errc::bad_hex;
        }
        nibbles.push_back(*v);
        previous_was_digit = true;
    }
    if (nibbles.empty() || !previous_was_digit) {
        return Errc::bad_hex;
    }
    size_t first = 0;
    while (first < nibbles.size() && nibbles[first] == 0) {
        ++first;
    }
    const size_t significant = nibbles.size() - first;
    if ((significant + 1) / 2 > serial_limits::max_magnitude_octets) {
        return Errc::payload_too_large;
    }
    std::vector<uint8_t> out;
    out.reserve((significant + 1) / 2);
    size_t i = first;
    if (significant % 2 == 1) {
        out.push_back(nibbles[i]);
        ++i;
    }
    for (; i < nibbles.size(); i += 2) {
        out.push_back(static_cast<uint8_t>((nibbles[i] << 4U) | nibbles[i + 1]));
    }
    return out;
}

Result<std::string> canonical_serial(std::string_view text) {
    auto magnitude = parse_serial(text);
    if (!magnitude) {
        return magnitude.error();
    }
    return format_serial(*magnitude);
}

bool is_canonical_serial(std::string_view text) {
    const auto canonical = canonical_serial(text);
    return canonical.ok() && *canonical == text;
}

}  // namespace librecord
