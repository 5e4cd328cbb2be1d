// Error codes for untrusted input and link failures (librecord::Errc), and the one exception
// type for failed C library calls and configuration (cassiopeia::Error).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <stdexcept>
#include <string>
#include <system_error>

namespace librecord {

/** Why a piece of untrusted input or a link operation was refused. Values are stable. */
enum class Errc {
    // ByteReader / ByteWriter
    truncated = 1,      ///< fewer bytes remain than the field needs
    trailing_bytes,     ///< bytes left after the last field
    capacity_exceeded,  ///< a writer was asked to pass its capacity
    // SLIP and link frames (§2)
    bad_escape,          ///< ESC followed by a byte other than ESC_END / ESC_ESC
    frame_too_long,      ///< decoded frame passed limits::max_frame_size
    bad_crc,             ///< CRC-32 mismatch
    unknown_frame_type,  ///< type byte not in §2
    bad_frame_length,    ///< body length not allowed for this frame type
    bad_version,         ///< HELLO / HELLO_ACK with a version other than 1
    // Records (§4)
    missing_colon,       ///< a record line that does not start with ':'
    bad_hex,             ///< odd number of digits or a non-hex character
    bad_checksum,        ///< checksum byte mismatch
    length_mismatch,     ///< length field disagrees with the bytes present
    line_too_long,       ///< more than limits::max_record_line characters before '\n'
    bad_flags,           ///< flags not zero
    unknown_command,     ///< command code not in §5
    chunk_out_of_order,  ///< offset not the next expected one
    bad_chunk_size,      ///< a chunk that is not 0xF000 bytes (but the last) or overruns
    interleaved,         ///< chunk of another command or counter while one is partial
    payload_too_large,   ///< total_length above the limit of §7
    wrong_session,       ///< session id differs from the TLS session's
    // TLS (§3)
    tls_handshake,  ///< the handshake failed
    tls_peer,       ///< peer certificate missing, untrusted or with the wrong name
    tls_alpn,       ///< no or another ALPN protocol was selected
    tls_closed,     ///< the peer closed the session (close_notify)
    tls_failed,     ///< a fatal alert or a record-layer failure
    // Link and I/O
    timed_out,   ///< a deadline of §7 passed
    link_reset,  ///< the signer answered RESET, or a new HELLO dropped the session
    line_busy,   ///< another process holds the line
    io_failed,   ///< the OS reported an error on the line
    peer_error,  ///< the signer answered an `error` record
    protocol,    ///< the peer broke the record protocol (unexpected reply)
};

/** The category of librecord::Errc; name() is "librecord". */
[[nodiscard]] const std::error_category& category() noexcept;

[[nodiscard]] std::error_code make_error_code(Errc e) noexcept;

}  // namespace librecord

template <>
struct std::is_error_code_enum<librecord::Errc> : std::true_type {};

namespace cassiopeia {

/** What failed, coarsely; maps to exit codes and log decisions. */
enum class ErrorKind { decode, crypto, database, gpg, io, config, internal };

/** The one exception type (docs/style.md §5): a failed C call or a configuration fault. */
class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, std::string call, std::string detail);

    [[nodiscard]] ErrorKind kind() const noexcept { return m_kind; }

    [[nodiscard]] const std::string& call() const noexcept { return m_call; }

    [[nodiscard]] const std::string& detail() const noexcept { return m_detail; }

private:
    ErrorKind m_kind;
    std::string m_call;
    std::string m_detail;
};

}  // namespace cassiopeia
