// The error codes of docs/protocol.md §5.8, the one registry both daemons use, and Refusal, the
// payload of an `error` record (`<code> <message>`).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "result.hpp"

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace librecord {

/** One code of the §5.8 registry. The text form (to_string) is what crosses the line and what
 * the WebDB stores in jobs.error_code. */
enum class ErrorCode {
    bad_request,
    too_many,
    bad_csr,
    csr_signature,
    weak_key,
    unknown_profile,
    unknown_ca,
    profile_local_only,
    san_invalid,
    san_not_allowed,
    ava_not_allowed,
    hash_not_allowed,
    validity_cap,
    bad_validity,
    proof_missing,
    proof_stale,
    proof_future,
    request_mismatch,
    log_mismatch,
    lint,
    unknown_serial,
    wrong_ca,
    pgp_key,
    internal,
};

/** The registry's word for `code`, e.g. "proof_missing". */
[[nodiscard]] std::string_view to_string(ErrorCode code) noexcept;

/** Writes the registry's word (for logs and test output). */
std::ostream& operator<<(std::ostream& out, ErrorCode code);

/** The code whose word is exactly `text`; nullopt for any other text. */
[[nodiscard]] std::optional<ErrorCode> to_error_code(std::string_view text) noexcept;

/** A refusal by the signer: `error <code> <message>` on the line. The message says what and
 * where for an operator and never carries key material. */
struct Refusal {
    ErrorCode code = ErrorCode::internal;
    std::string message;

    /** The payload of the `error` record: "<code> <message>". */
    [[nodiscard]] std::string payload() const;

    friend bool operator==(const Refusal&, const Refusal&) = default;
};

/** A Refusal with `code` and `message`. */
[[nodiscard]] inline Refusal refuse(ErrorCode code, std::string message) {
    return Refusal{code, std::move(message)};
}

/**
 * Reads an `error` payload from the signer. The code is the text up to the first space, the
 * message the rest. A code outside the registry (a newer signer, or a broken one) is read as
 * `internal` with the whole payload as its message, so nothing the operator needs is lost.
 */
[[nodiscard]] Refusal parse_refusal(std::span<const uint8_t> payload);

/** A value, or the signer's refusal of the request that should have produced it. */
template <class T>
using Refusable = Result<T, Refusal>;

}  // namespace librecord
