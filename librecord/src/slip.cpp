// SLIP codec (RFC 1055) and Cassiopeia link frames with CRC-32 (docs/protocol.md §2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/slip.hpp"

#include "librecord/byte_reader.hpp"
#include "librecord/crc32.hpp"
#include "librecord/errors.hpp"

#include <algorithm>
#include <string>

namespace librecord::slip {

Decoder::Decoder(size_t max_frame) : m_max(max_frame) {}

void Decoder::reset() noexcept {
    m_buf.clear();
    m_ready.clear();
    m_state = State::discarding;
}

namespace {

DecodeStep failed(Errc e, size_t used) {
    return {Status::error, used, make_error_code(e)};
}

// §2: never buffer more than the maximum frame. @return false when b would pass `max`.
bool append_bounded(std::vector<uint8_t>& buf, size_t max, uint8_t b) {
    if (buf.size() >= max) {
        return false;
    }
    buf.push_back(b);
    return true;
}

// RFC 1055: the byte an escape sequence stands for, or nullopt for an invalid one.
std::optional<uint8_t> unescape(uint8_t b) noexcept {
    if (b == esc_end) {
        return end;
    }
    if (b == esc_esc) {
        return esc;
    }
    return std::nullopt;
}

}  // namespace

DecodeStep Decoder::feed(std::span<const uint8_t> in) {
    m_ready.clear();
    size_t used = 0;
    for (const uint8_t b : in) {
        ++used;
        uint8_t data = b;
        if (m_state == State::discarding) {
            // RFC 1055 / §2: after an error, resynchronise at the next END.
            m_state = b == end ? State::normal : State::discarding;
            continue;
        }
        if (m_state == State::escaped) {
            const auto plain = unescape(b);
            if (!plain) {
                m_buf.clear();
                // ESC END: the END still closes the frame, so the next frame is not lost.
                m_state = b == end ? State::normal : State::discarding;
                return failed(Errc::bad_escape, used);
            }
            m_state = State::normal;
            data = *plain;
        } else if (b == end) {
            if (m_buf.empty()) {
                continue;  // §2: empty frames are ignored (a leading END flushes noise)
            }
            m_ready.swap(m_buf);
            m_buf.clear();
            return {Status::frame_ready, used, {}};
        } else if (b == esc) {
            m_state = State::escaped;
            continue;
        }
        if (!append_bounded(m_buf, m_max, data)) {
            m_buf.clear();
            m_state = State::discarding;
            return failed(Errc::frame_too_long, used);
        }
    }
    return {Status::need_more, used, {}};
}

void encode(std::span<const uint8_t> frame, std::vector<uint8_t>& out) {
    out.push_back(end);
    for (const uint8_t b : frame) {
        if (b == end) {
            out.push_back(esc);
            out.push_back(esc_end);
        } else if (b == esc) {
            out.push_back(esc);
            out.push_back(esc_esc);
        } else {
            out.push_back(b);
        }
    }
    out.push_back(end);
}

}  // namespace librecord::slip

namespace librecord {

std::optional<FrameType> to_frame_type(uint8_t b) noexcept {
    switch (b) {
        case 0x01:
            return FrameType::data;
        case 0x02:
            return FrameType::hello;
        case 0x03:
            return FrameType::hello_ack;
        case 0x04:
            return FrameType::reset;
        default:
            return std::nullopt;
    }
}

namespace {

bool body_length_ok(FrameType t, size_t n) noexcept {
    switch (t) {
        case FrameType::data:
            return n >= 1 && n <= limits::max_data_body;
        case FrameType::hello:
        case FrameType::hello_ack:
            return n == limits::hello_body_size;
        case FrameType::reset:
            return n == 0;
    }
    return false;
}

}  // namespace

Result<LinkFrame> parse_link_frame(std::span<const uint8_t> decoded) {
    ByteReader r{decoded};
    if (r.remaining() < limits::frame_overhead) {
        return Errc::truncated;
    }
    const auto covered = r.take(r.remaining() - 4);  // type | body
    const auto crc = r.u32_le();
    if (!covered || !crc || !r.expect_end()) {
        return Errc::truncated;
    }
    // CRC first: a flipped type byte is line damage, not an unknown type.
    if (crc32(*covered) != *crc) {
        return Errc::bad_crc;
    }
    ByteReader fields{*covered};
    const auto type_byte = fields.u8();
    if (!type_byte) {
        return Errc::truncated;
    }
    const auto type = to_frame_type(*type_byte);
    if (!type) {
        return Errc::unknown_frame_type;
    }
    const auto body = fields.rest();
    if (!body_length_ok(*type, body.size())) {
        return Errc::bad_frame_length;
    }
    return LinkFrame{*type, std::vector<uint8_t>(body.begin(), body.end())};
}

void encode_link_frame(FrameType type, std::span<const uint8_t> body, std::vector<uint8_t>& out) {
    // Encoders check too (docs/style.md §6.8): our callers must not build a frame the peer drops.
    if (!body_length_ok(type, body.size())) {
        throw cassiopeia::Error(cassiopeia::ErrorKind::internal,
                                "encode_link_frame",
                                "body of " + std::to_string(body.size()) +
                                    " bytes not allowed for frame type " +
                                    std::to_string(static_cast<unsigned>(type)));
    }
    ByteWriter w{limits::frame_overhead + body.size()};
    bool ok = w.u8(static_cast<uint8_t>(type)) && w.bytes(body);
    ok = ok && w.u32_le(crc32(w.data()));
    if (!ok) {
        throw cassiopeia::Error(
            cassiopeia::ErrorKind::internal, "encode_link_frame", "frame exceeds its capacity");
    }
    slip::encode(w.data(), out);
}

Result<Hello> parse_hello(std::span<const uint8_t> body) {
    ByteReader r{body};
    if (r.remaining() != limits::hello_body_size) {
        return Errc::bad_frame_length;
    }
    const auto version = r.u8();
    const auto nonce = r.take(limits::hello_nonce_size);
    if (!version || !nonce || !r.expect_end()) {
        return Errc::bad_frame_length;
    }
    if (*version != limits::protocol_version) {
        return Errc::bad_version;
    }
    Hello h;
    h.version = *version;
    std::copy(nonce->begin(), nonce->end(), h.nonce.begin());
    return h;
}

std::vector<uint8_t> encode_hello(const Hello& h) {
    ByteWriter w{limits::hello_body_size};
    if (!w.u8(h.version) || !w.bytes(h.nonce)) {
        throw cassiopeia::Error(
            cassiopeia::ErrorKind::internal, "encode_hello", "body exceeds its capacity");
    }
    return w.take();
}

void FrameReader::feed(std::span<const uint8_t> in,
                       std::vector<LinkFrame>& out,
                       std::vector<size_t>* dropped_at) {
    const auto drop = [&] {
        ++m_dropped;
        if (dropped_at != nullptr) {
            dropped_at->push_back(out.size());
        }
    };
    while (!in.empty()) {
        const slip::DecodeStep step = m_decoder.feed(in);
        in = in.subspan(step.consumed);
        if (step.status == slip::Status::frame_ready) {
            auto frame = parse_link_frame(m_decoder.frame());
            if (frame) {
                out.push_back(std::move(frame).value());
            } else {
                drop();
            }
        } else if (step.status == slip::Status::error) {
            drop();
        }
    }
}

}  // namespace librecord
