// librecord's error category ("librecord") and the cassiopeia::Error exception.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/errors.hpp"

#include <string>
#include <utility>

namespace librecord {
namespace {

class Category final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "librecord"; }

    [[nodiscard]] std::string message(int ev) const override {
        // A switch with a default: an int from anywhere never becomes an unchecked Errc.
        switch (static_cast<Errc>(ev)) {
            case Errc::truncated:
                return "input truncated";
            case Errc::trailing_bytes:
                return "trailing bytes after the last field";
            case Errc::capacity_exceeded:
                return "writer capacity exceeded";
            case Errc::bad_escape:
                return "invalid SLIP escape sequence";
            case Errc::frame_too_long:
                return "frame longer than the maximum frame size";
            case Errc::bad_crc:
                return "frame CRC-32 mismatch";
            case Errc::unknown_frame_type:
                return "unknown link frame type";
            case Errc::bad_frame_length:
                return "link frame body length not allowed for its type";
            case Errc::bad_version:
                return "unsupported link protocol version";
            case Errc::missing_colon:
                return "record line does not start with ':'";
            case Errc::bad_hex:
                return "record line is not valid hex";
            case Errc::bad_checksum:
                return "record checksum mismatch";
            case Errc::length_mismatch:
                return "record length field disagrees with its bytes";
            case Errc::line_too_long:
                return "record line too long";
            case Errc::bad_flags:
                return "record flags not zero";
            case Errc::unknown_command:
                return "unknown record command";
            case Errc::chunk_out_of_order:
                return "record chunk out of order";
            case Errc::bad_chunk_size:
                return "record chunk of the wrong size";
            case Errc::interleaved:
                return "record chunk interleaved with another command";
            case Errc::payload_too_large:
                return "record total length above the limit";
            case Errc::wrong_session:
                return "record session differs from the TLS session";
            case Errc::tls_handshake:
                return "TLS handshake failed";
            case Errc::tls_peer:
                return "TLS peer certificate missing, untrusted or misnamed";
            case Errc::tls_alpn:
                return "TLS ALPN protocol missing or wrong";
            case Errc::tls_closed:
                return "TLS session closed by the peer";
            case Errc::tls_failed:
                return "TLS session failed";
            case Errc::timed_out:
                return "deadline passed";
            case Errc::link_reset:
                return "link session reset";
            case Errc::line_busy:
                return "line held by another process";
            case Errc::io_failed:
                return "I/O error on the line";
            case Errc::peer_error:
                return "signer answered an error record";
            case Errc::protocol:
                return "peer broke the record protocol";
            default:
                return "unknown librecord error " + std::to_string(ev);
        }
    }
};

}  // namespace

const std::error_category& category() noexcept {
    static const Category instance;
    return instance;
}

std::error_code make_error_code(Errc e) noexcept {
    return {static_cast<int>(e), category()};
}

}  // namespace librecord

namespace cassiopeia {

Error::Error(ErrorKind kind, std::string call, std::string detail)
    : std::runtime_error(call + ": " + detail),
      m_kind(kind),
      m_call(std::move(call)),
      m_detail(std::move(detail)) {}

}  // namespace cassiopeia
