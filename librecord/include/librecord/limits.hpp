// Every limit and deadline of the Cassiopeia link, cited by section of docs/protocol.md.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace librecord::limits {

// docs/protocol.md §2: DATA body carries 1..4096 bytes of the TLS stream.
inline constexpr size_t max_data_body = 4096;
// §2: decoded frame = type (1) | body | crc (4).
inline constexpr size_t frame_overhead = 1 + 4;
// §7: SLIP frame after decoding: 1 + 4096 + 4 bytes.
inline constexpr size_t max_frame_size = frame_overhead + max_data_body;
// §2: HELLO / HELLO_ACK body = version (1) | nonce (8).
inline constexpr size_t hello_nonce_size = 8;
inline constexpr size_t hello_body_size = 1 + hello_nonce_size;
inline constexpr uint8_t protocol_version = 0x01;

// §4: record header before hex encoding, and the trailing checksum byte.
inline constexpr size_t record_header_size = 17;
inline constexpr size_t record_checksum_size = 1;
// §4, §7: every chunk but the last carries exactly this many bytes.
inline constexpr size_t max_chunk_size = 0xF000;
// §7: one record line: ':' + hex(header + chunk + checksum) + '\n' = 122,918 characters.
inline constexpr size_t max_record_line =
    1 + 2 * (record_header_size + max_chunk_size + record_checksum_size) + 1;
// §7: reassembled payload of one command (client -> signer).
inline constexpr size_t max_request_payload = 65536;
// §7: reassembled payload of one reply (signer -> client), a full CRL at most.
inline constexpr size_t max_reply_payload = size_t{16} * 1024 * 1024;

// §7: per request.
inline constexpr size_t max_sans = 100;
inline constexpr size_t max_avas = 32;
inline constexpr size_t max_proof_lines = 200;
// §7: per revoke.
inline constexpr size_t max_serials = 10000;
// §7, §5.1: per session, signed results waiting for their logSaved (pipelining).
inline constexpr size_t max_waiting_results = 8;

// §7: deadlines (defaults; both configurable).
inline constexpr std::chrono::seconds handshake_timeout{60};
inline constexpr std::chrono::seconds io_timeout{30};
// §2: HELLO retries back off from 0.5 s, doubling, capped at 10 s.
inline constexpr std::chrono::milliseconds hello_initial_backoff{500};
inline constexpr std::chrono::milliseconds hello_max_backoff{10000};
// §2: RESET at most once per second.
inline constexpr std::chrono::milliseconds reset_min_interval{1000};

}  // namespace librecord::limits
