// OpenPGP keyblock trimming and armour (the packet framing is librecord/openpgp.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "gpg/openpgp_packets.hpp"

#include <openssl/evp.h>

#include <array>
#include <string_view>

namespace cassiopeia::server::pgp {

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

namespace {

/** Base64 through OpenSSL (EVP_EncodeBlock), never by hand. */
std::string base64(std::span<const uint8_t> in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): C API
    const int n = ::EVP_EncodeBlock(
        reinterpret_cast<unsigned char*>(out.data()), in.data(), static_cast<int>(in.size()));
    out.resize(static_cast<size_t>(n));
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
