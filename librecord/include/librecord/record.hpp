// The Cassiopeia record format: hex text lines, chunking and reassembly (docs/protocol.md §4, §5).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "hex.hpp"
#include "limits.hpp"
#include "result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace librecord {

/** Client -> signer commands (§5). */
enum class Command : uint16_t {
    set_csr = 0x01,
    set_spkac = 0x02,
    set_openpgp_key = 0x03,
    set_signature_type = 0x10,
    set_profile = 0x11,
    wish_from = 0x12,
    wish_to = 0x13,
    ocsp_target_ca = 0x14,
    add_san = 0x18,
    add_ava = 0x19,
    set_request_id = 0x20,
    add_proof_line = 0x40,
    sign = 0x80,
    log_saved = 0x81,
    revoke = 0x100,
    get_full_crl = 0x101,
    add_serial = 0x102,
    get_timestamp = 0xC0,
    get_status_report = 0xD0,
};

/** Signer -> client replies (§5). */
enum class Reply : uint16_t {
    set_log = 0x80,
    respond_certificate = 0x81,
    signing_ca = 0x82,
    revoked = 0x100,
    full_crl = 0x101,
    timestamp_response = 0xC0,
    status_report = 0xD0,
    error = 0xE0,
};

[[nodiscard]] std::optional<Command> to_command(uint16_t code) noexcept;
[[nodiscard]] std::optional<Reply> to_reply(uint16_t code) noexcept;
/** Protocol name (`setCSR`, `getTimestamp`…), or an empty view for an unknown code. */
[[nodiscard]] std::string_view command_name(Command c) noexcept;
[[nodiscard]] std::string_view reply_name(Reply r) noexcept;

/** One record (one text line), decoded. */
struct Record {
    uint16_t command = 0;
    uint8_t flags = 0;
    uint32_t session = 0;
    uint16_t counter = 0;
    uint32_t total_length = 0;
    uint16_t offset = 0;
    std::vector<uint8_t> payload;  ///< this chunk; its size is the length field

    bool operator==(const Record&) const = default;
};

/**
 * Decodes one record line, with or without its trailing '\n' (a '\r' before it is an error).
 * Upper- and lower-case hex are accepted. Checks structure only (hex, length, checksum,
 * flags == 0, chunk length <= 0xF000); command codes and chunk order are the caller's.
 * Errors: missing_colon, bad_hex, truncated, length_mismatch, bad_checksum, bad_flags,
 * bad_chunk_size, line_too_long.
 */
[[nodiscard]] Result<Record> decode_record(std::string_view line);

/** Session and counter read from the start of a record line that failed to decode. */
struct HeaderPeek {
    uint32_t session = 0;
    uint16_t counter = 0;
};

/**
 * Reads only the session and counter fields of a record line (§4), without checking the rest:
 * the signer answers a damaged record with the counter (and, on a session's first record, the
 * session) it can still read (docs/protocol.md §8).
 * @return the two fields, or nullopt when the line is shorter than the header's first 9 bytes
 *   in hex, does not start with ':' or has a non-hex digit there.
 */
[[nodiscard]] std::optional<HeaderPeek> peek_header(std::string_view line) noexcept;

/** Encodes one record as ':' + upper-case hex + '\n'. Precondition: payload <= 0xF000. */
[[nodiscard]] std::string encode_record(const Record& r);

/** A whole command or reply, reassembled. */
struct Message {
    uint16_t command = 0;
    uint32_t session = 0;
    uint16_t counter = 0;
    std::vector<uint8_t> payload;
};

/**
 * Splits `payload` into chunk records as §4 requires (0xF000 per chunk but the last; an
 * empty payload is one empty record) and appends their lines to `out`.
 * Precondition: payload.size() fits u32 and needs at most 65,536 chunks.
 */
void encode_message(const Message& m, std::string& out);

/**
 * Collects text bytes into lines ending in '\n'. A line longer than limits::max_record_line
 * is reported once as line_too_long and skipped up to its '\n'.
 */
class LineSplitter final {
public:
    explicit LineSplitter(size_t max_line = limits::max_record_line) : m_max(max_line) {}

    /** One item: a complete line (without '\n') or an error for a dropped one. */
    struct Item {
        std::string line;
        std::error_code ec;
    };

    void feed(std::span<const uint8_t> in, std::vector<Item>& out);
    void reset() noexcept;

    /** True while part of a line waits for its '\n'. */
    [[nodiscard]] bool partial() const noexcept { return !m_buf.empty() || m_discarding; }

private:
    size_t m_max;
    std::string m_buf;
    bool m_discarding = false;
};

/**
 * Reassembles chunked records into messages (§4). A chunk out of order, of the wrong size,
 * interleaved with another command or counter, or a total_length above `max_total` is an
 * error; the partial message is dropped and the assembler is ready for a new message.
 */
class MessageAssembler final {
public:
    explicit MessageAssembler(size_t max_total) : m_max(max_total) {}

    /**
     * @return a complete message, std::nullopt when more chunks are needed, or an error
     *   (payload_too_large, chunk_out_of_order, bad_chunk_size, interleaved).
     */
    [[nodiscard]] Result<std::optional<Message>> add(Record r);

    [[nodiscard]] bool partial() const noexcept { return m_partial.has_value(); }

    void reset() noexcept { m_partial.reset(); }

private:
    size_t m_max;
    std::optional<Message> m_partial;
    uint32_t m_total = 0;
    uint16_t m_next_offset = 0;
};

}  // namespace librecord
