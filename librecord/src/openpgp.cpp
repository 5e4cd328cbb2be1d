// OpenPGP packet framing (RFC 4880 §4.2), bounds-checked through ByteReader.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/openpgp.hpp"

#include "librecord/byte_reader.hpp"

namespace librecord::openpgp {

namespace {

// RFC 4880 §4.2: the top bit of every packet header is set; bit 6 selects the new format.
constexpr uint8_t header_bit = 0x80;
constexpr uint8_t new_format_bit = 0x40;

std::optional<uint32_t> read_be(ByteReader& r, size_t n) {
    const auto bytes = r.take(n);
    if (!bytes) {
        return std::nullopt;
    }
    uint32_t v = 0;
    for (const uint8_t b : *bytes) {
        v = (v << 8U) | b;
    }
    return v;
}

// The body length of a packet whose tag byte has been read; nullopt for partial,
// indeterminate or truncated lengths.
std::optional<uint32_t> body_length(ByteReader& r, uint8_t first) {
    if ((first & new_format_bit) == 0) {
        switch (first & 0x03U) {  // §4.2.1 old format length type
            case 0:
                return read_be(r, 1);
            case 1:
                return read_be(r, 2);
            case 2:
                return read_be(r, 4);
            default:
                return std::nullopt;  // indeterminate length
        }
    }
    const auto o1 = r.u8();  // §4.2.2 new format lengths
    if (!o1) {
        return std::nullopt;
    }
    if (*o1 < 192) {
        return *o1;
    }
    if (*o1 < 224) {
        const auto o2 = r.u8();
        if (!o2) {
            return std::nullopt;
        }
        return ((uint32_t{*o1} - 192U) << 8U) + *o2 + 192U;
    }
    if (*o1 == 255) {
        return read_be(r, 4);
    }
    return std::nullopt;  // partial body length: not allowed in keys
}

}  // namespace

std::optional<std::vector<Packet>> split_packets(std::span<const uint8_t> bytes) {
    ByteReader r{bytes};
    std::vector<Packet> out;
    while (r.remaining() != 0) {
        const size_t start = r.offset();
        const auto first = r.u8();
        if (!first || (*first & header_bit) == 0) {
            return std::nullopt;
        }
        const uint8_t t = (*first & new_format_bit) != 0
                              ? static_cast<uint8_t>(*first & 0x3FU)
                              : static_cast<uint8_t>((*first >> 2U) & 0x0FU);
        const auto len = body_length(r, *first);
        if (!len) {
            return std::nullopt;
        }
        const auto body = r.take(*len);
        if (!body) {
            return std::nullopt;
        }
        out.push_back(Packet{t, bytes.subspan(start, r.offset() - start), *body});
    }
    return out;
}

uint32_t crc24(std::span<const uint8_t> bytes) noexcept {
    constexpr uint32_t init = 0xB704CEU;  // RFC 4880 §6.1
    constexpr uint32_t poly = 0x1864CFBU;
    uint32_t crc = init;
    for (const uint8_t b : bytes) {
        crc ^= uint32_t{b} << 16U;
        for (int i = 0; i < 8; ++i) {
            crc <<= 1U;
            if ((crc & 0x1000000U) != 0) {
                crc ^= poly;
            }
        }
    }
    return crc & 0xFFFFFFU;
}

}  // namespace librecord::openpgp
