// OpenPGP packet framing (RFC 4880 §4.2) and ASCII armour (§6): the certified key's final trim.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/openpgp.hpp>

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace cassiopeia::server::pgp {

namespace tag = librecord::openpgp::tag;
using librecord::openpgp::crc24;
using librecord::openpgp::Packet;
using librecord::openpgp::split_packets;

/**
 * Keeps the primary key packet and, of the user IDs, those whose text is in `keep_uids`, each
 * with the signatures that follow it. Drops signatures directly on the primary key, user
 * attributes, subkeys with their binding signatures, and trust packets (docs/protocol.md §5.5: the
 * primary key, each certified user ID with its self-signature, the new certifications).
 * The caller must make sure third-party certifications are already gone (the import filter).
 * @return nullopt unless `bytes` is exactly one public key that starts with its primary key
 */
[[nodiscard]] std::optional<std::vector<uint8_t>> trim_keyblock(
    std::span<const uint8_t> bytes, const std::set<std::string>& keep_uids);

/** ASCII armour `PGP PUBLIC KEY BLOCK` (§6.2): base64 lines of 64 and the CRC-24 checksum. */
[[nodiscard]] std::string armour_public_key(std::span<const uint8_t> bytes);

}  // namespace cassiopeia::server::pgp
