// SLIP framing (RFC 1055) and the Cassiopeia link frames carried in it (docs/protocol.md §2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "limits.hpp"
#include "result.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

namespace librecord::slip {

// RFC 1055 special bytes.
inline constexpr uint8_t end = 0xC0;
inline constexpr uint8_t esc = 0xDB;
inline constexpr uint8_t esc_end = 0xDC;
inline constexpr uint8_t esc_esc = 0xDD;

enum class Status { need_more, frame_ready, error };

/** One decoder step: what happened and how many input bytes were used. */
struct DecodeStep {
    Status status;
    size_t consumed;
    std::error_code ec;
};

/**
 * Byte-wise SLIP decoder, states {normal, escaped, discarding}, state kept across feed() calls.
 * It never buffers more than max_frame bytes: a longer frame is reported as frame_too_long
 * and discarded up to the next END. Empty frames (END END) are skipped silently.
 */
class Decoder final {
public:
    explicit Decoder(size_t max_frame = limits::max_frame_size);

    /**
     * Consumes bytes of `in` until a frame is complete, an error is found, or `in` is used up.
     * @return frame_ready: frame() holds the decoded frame until the next call to feed();
     *         error: ec says why (bad_escape, frame_too_long), the decoder discards to the
     *         next END by itself; need_more: all of `in` was consumed.
     *         In every case the caller drops `consumed` bytes and calls again with the rest.
     */
    [[nodiscard]] DecodeStep feed(std::span<const uint8_t> in);

    /** The last complete frame (valid after frame_ready, until the next feed()). */
    [[nodiscard]] std::span<const uint8_t> frame() const noexcept { return m_ready; }

    /** Drops any partial frame; the next bytes start a new frame after the next END. */
    void reset() noexcept;

private:
    enum class State { normal, escaped, discarding };
    size_t m_max;
    State m_state = State::normal;
    std::vector<uint8_t> m_buf;
    std::vector<uint8_t> m_ready;
};

/** Appends END, the escaped bytes of `frame`, and END to `out`. */
void encode(std::span<const uint8_t> frame, std::vector<uint8_t>& out);

}  // namespace librecord::slip

namespace librecord {

/** Link frame types (docs/protocol.md §2). */
enum class FrameType : uint8_t { data = 0x01, hello = 0x02, hello_ack = 0x03, reset = 0x04 };

/** Checked mapping of a wire byte; nullopt for an unknown type. */
[[nodiscard]] std::optional<FrameType> to_frame_type(uint8_t b) noexcept;

/** A link frame after SLIP decoding, with its CRC checked. */
struct LinkFrame {
    FrameType type;
    std::vector<uint8_t> body;
};

/**
 * Parses a decoded SLIP frame `type | body | crc32-le`.
 * Errors: truncated (fewer than 5 bytes), bad_crc, unknown_frame_type, bad_frame_length
 * (DATA body not 1..4096; HELLO/HELLO_ACK body not 9 bytes; RESET body not empty).
 */
[[nodiscard]] Result<LinkFrame> parse_link_frame(std::span<const uint8_t> decoded);

/** Builds type | body | crc and SLIP-encodes it (leading and trailing END) onto `out`. */
void encode_link_frame(FrameType type, std::span<const uint8_t> body, std::vector<uint8_t>& out);

/** HELLO / HELLO_ACK body. */
struct Hello {
    uint8_t version = limits::protocol_version;
    std::array<uint8_t, limits::hello_nonce_size> nonce{};
};

/** Parses a HELLO/HELLO_ACK body. Errors: bad_frame_length, bad_version. */
[[nodiscard]] Result<Hello> parse_hello(std::span<const uint8_t> body);

[[nodiscard]] std::vector<uint8_t> encode_hello(const Hello& h);

/**
 * SLIP decoder plus link-frame parser: feed raw line bytes, get valid frames.
 * Bad frames are dropped and counted (§2).
 */
class FrameReader final {
public:
    /**
     * Decodes all of `in`; appends each valid frame to `out`. With `dropped_at`, appends for
     * each frame dropped the size of `out` at that moment: where the gap is among the frames.
     */
    void feed(std::span<const uint8_t> in,
              std::vector<LinkFrame>& out,
              std::vector<size_t>* dropped_at = nullptr);

    /** Frames dropped so far (bad escape, too long, bad CRC, unknown type, bad length). */
    [[nodiscard]] uint64_t dropped() const noexcept { return m_dropped; }

    void reset() noexcept { m_decoder.reset(); }

private:
    slip::Decoder m_decoder;
    uint64_t m_dropped = 0;
};

}  // namespace librecord
