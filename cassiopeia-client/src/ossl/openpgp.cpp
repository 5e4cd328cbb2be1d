// What the client reads from a certified OpenPGP key.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "ossl/openpgp.hpp"

#include <librecord/hex.hpp>
#include <librecord/openpgp.hpp>
#include <librecord/ossl/handles.hpp>

#include <openssl/evp.h>

#include <array>
#include <memory>
#include <sstream>

namespace cassiopeia::client::ossl {

namespace {

/** Base64 through OpenSSL; EVP_DecodeBlock counts padding as zero bytes, so trim them. */
std::optional<std::vector<uint8_t>> decode_base64(const std::string& text) {
    if (text.empty() || text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::vector<uint8_t> out(text.size() / 4 * 3);
    const int n =
        ::EVP_DecodeBlock(out.data(),
                          // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): C API
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
    if (n < 0) {
        return std::nullopt;
    }
    size_t pad = 0;
    for (auto it = text.rbegin(); it != text.rend() && *it == '=' && pad < 2; ++it) {
        ++pad;
    }
    out.resize(static_cast<size_t>(n) - pad);
    return out;
}

}  // namespace

std::optional<OpenPgpSummary> summarize_openpgp_key(std::string_view armoured) {
    // RFC 4880 §6.2: header line, armour headers, blank line, base64, '=' CRC-24, footer.
    std::istringstream in{std::string(armoured)};
    std::string line;
    bool begun = false;
    bool in_body = false;
    std::string body;
    std::string crc;
    bool ended = false;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (!begun) {
            begun = line == "-----BEGIN PGP PUBLIC KEY BLOCK-----";
            continue;
        }
        if (!in_body) {
            in_body = line.empty();  // armour headers end at the first blank line
            continue;
        }
        if (line == "-----END PGP PUBLIC KEY BLOCK-----") {
            ended = true;
            break;
        }
        if (!line.empty() && line.front() == '=') {
            crc = line.substr(1);
        } else {
            body += line;
        }
    }
    if (!ended) {
        return std::nullopt;
    }
    const auto bytes = decode_base64(body);
    if (!bytes) {
        return std::nullopt;
    }
    if (!crc.empty()) {
        const auto c = decode_base64(crc);
        const uint32_t want = librecord::openpgp::crc24(*bytes);
        if (!c || c->size() != 3 ||
            ((uint32_t{(*c)[0]} << 16U) | (uint32_t{(*c)[1]} << 8U) | (*c)[2]) != want) {
            return std::nullopt;
        }
    }
    const auto packets = librecord::openpgp::split_packets(*bytes);
    if (!packets || packets->empty() ||
        packets->front().tag != librecord::openpgp::tag::public_key) {
        return std::nullopt;
    }
    OpenPgpSummary s;
    const auto& key = packets->front().body;
    if (key.empty() || key.front() != 4 || key.size() > 0xFFFF) {
        return std::nullopt;  // only v4 keys: their fingerprint is SHA-1 (RFC 4880 §12.2)
    }
    const std::array<uint8_t, 3> prefix{
        0x99, static_cast<uint8_t>(key.size() >> 8U), static_cast<uint8_t>(key.size() & 0xFFU)};
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int md_len = 0;
    const ::cassiopeia::ossl::EvpMdCtxPtr ctx{::EVP_MD_CTX_new()};
    const bool ok = ctx && ::EVP_DigestInit_ex(ctx.get(), ::EVP_sha1(), nullptr) == 1 &&
                    ::EVP_DigestUpdate(ctx.get(), prefix.data(), prefix.size()) == 1 &&
                    ::EVP_DigestUpdate(ctx.get(), key.data(), key.size()) == 1 &&
                    ::EVP_DigestFinal_ex(ctx.get(), md.data(), &md_len) == 1;
    if (!ok) {
        return std::nullopt;
    }
    s.fingerprint = librecord::to_hex(std::span(md).first(md_len));
    for (const auto& p : *packets) {
        if (p.tag == librecord::openpgp::tag::user_id) {
            s.uids.emplace_back(p.body.begin(), p.body.end());
        }
    }
    return s;
}

}  // namespace cassiopeia::client::ossl
