// OpenPGP packet framing (RFC 4880 §4.2) and ASCII armour (§6): the certified key's final trim.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace cassiopeia::server::pgp {

/** RFC 4880 §4.3 packet tags the trim looks at. */
namespace tag {
inline constexpr uint8_t signature = 2;
inline constexpr uint8_t public_key = 6;
inline constexpr uint8_t trust = 12;
inline constexpr uint8_t user_id = 13;
inline constexpr uint8_t public_subkey = 14;
inline constexpr uint8_t user_attribute = 17;
}  // namespace tag

/** One packet of a binary keyblock: its tag, the whole packet and its body (views). */
struct Packet {
    uint8_t tag = 0;
    std::span<const uint8_t> whole;
    std::span<const uint8_t> body;
};

/**
 * Splits a binary transferable public key into packets. Old and new header formats; partial
 * and indeterminate lengths (never valid in keys) and truncation give nullopt.
 */
[[nodiscard]] std::optional<std::vector<Packet>> split_packets(std::span<const uint8_t> bytes);

/**
 * Keeps the primary key packet and, of the user IDs, those whose text is in `keep_uids`, each
 * with the signatures that follow it. Drops signatures directly on the primary key, user
 * attributes, subkeys with their binding signatures, and trust packets (protocol §5.5: the
 * primary key, each certified user ID with its self-signature, the new certifications).
 * The caller must make sure third-party certifications are already gone (the import filter).
 * @return nullopt unless `bytes` is exactly one public key that starts with its primary key
 */
[[nodiscard]] std::optional<std::vector<uint8_t>> trim_keyblock(
    std::span<const uint8_t> bytes, const std::set<std::string>& keep_uids);

/** RFC 4880 §6.1 CRC-24 of the binary data. */
[[nodiscard]] uint32_t crc24(std::span<const uint8_t> bytes) noexcept;

/** ASCII armour `PGP PUBLIC KEY BLOCK` (§6.2): base64 lines of 64 and the CRC-24 checksum. */
[[nodiscard]] std::string armour_public_key(std::span<const uint8_t> bytes);

}  // namespace cassiopeia::server::pgp
