// OpenPGP packet framing and armour: bounds-checked through ByteReader (style.md §6.2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "gpg/openpgp_packets.hpp"

#include <librecord/byte_reader.hpp>

#include <array>
#include <string_view>

namespace cassiopeia::server::pgp {

namespace {

// RFC 4880 §4.2: the top bit of every packet header is set; bit 6 selects the new format.
constexpr uint8_t header_bit = 0x80;
constexpr uint8_t new_format_bit = 0x40;

std::optional<uint32_t> read_be(librecord::ByteReader& r, size_t n) {
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
std::optional<uint32_t> body_length(librecord::ByteReader& r, uint8_t first) {
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
    librecord::ByteReader r{bytes};
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

std::optional<std::vector<uint8_t>> trim_keyblock(std::span<const uint8_t> bytes,
                                                  const std::set<std::string>& keep_uids) {
    const auto packets = split_packets(bytes);
    if (!packets || packets->empty() || packets->front().tag != tag::public_key) {
        return std::nullopt;
    }
    std::vector<uint8_t> out(packets->front().whole.begin(), packets->front().whole.end());
    bool keeping = false;  // inside a kept user ID's block
    for (size_t i = 1; i < packets->size(); ++i) {
        const Packet& p = (*packets)[i];
        switch (p.tag) {
            case tag::public_key:
                return std::nullopt;  // a second key
            case tag::user_id:
                keeping = keep_uids.count(std::string{p.body.begin(), p.body.end()}) != 0;
                break;
            case tag::user_attribute:
            case tag::public_subkey:
                keeping = false;
                break;
            case tag::signature:
                break;
            default:
                continue;  // trust and unknown packets are never returned
        }
        if (keeping) {
            out.insert(out.end(), p.whole.begin(), p.whole.end());
        }
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

namespace {

constexpr std::string_view b64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::span<const uint8_t> in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; in.size() - i >= 3; i += 3) {
        const uint32_t v = (uint32_t{in[i]} << 16U) | (uint32_t{in[i + 1]} << 8U) | in[i + 2];
        out += b64_alphabet[(v >> 18U) & 63U];
        out += b64_alphabet[(v >> 12U) & 63U];
        out += b64_alphabet[(v >> 6U) & 63U];
        out += b64_alphabet[v & 63U];
    }
    if (in.size() - i == 1) {
        const uint32_t v = uint32_t{in[i]} << 16U;
        out += b64_alphabet[(v >> 18U) & 63U];
        out += b64_alphabet[(v >> 12U) & 63U];
        out += "==";
    } else if (in.size() - i == 2) {
        const uint32_t v = (uint32_t{in[i]} << 16U) | (uint32_t{in[i + 1]} << 8U);
        out += b64_alphabet[(v >> 18U) & 63U];
        out += b64_alphabet[(v >> 12U) & 63U];
        out += b64_alphabet[(v >> 6U) & 63U];
        out += '=';
    }
    return out;
}

}  // namespace

std::string armour_public_key(std::span<const uint8_t> bytes) {
    constexpr size_t line = 64;
    const std::string body = base64(bytes);
    std::string out = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n";
    for (size_t off = 0; off < body.size(); off += line) {
        out.append(body, off, line);
        out += '\n';
    }
    const uint32_t crc = crc24(bytes);
    const std::array<uint8_t, 3> crc_bytes{static_cast<uint8_t>(crc >> 16U),
                                           static_cast<uint8_t>(crc >> 8U),
                                           static_cast<uint8_t>(crc)};
    out += '=' + base64(crc_bytes) + '\n';
    out += "-----END PGP PUBLIC KEY BLOCK-----\n";
    return out;
}

}  // namespace cassiopeia::server::pgp
