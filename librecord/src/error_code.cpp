// The error codes of docs/protocol.md §5.8 and the `error` payload.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/error_code.hpp"

#include <array>
#include <ostream>
#include <utility>

namespace librecord {

namespace {

using Entry = std::pair<ErrorCode, std::string_view>;

// The registry of §5.8, in its order.
constexpr std::array registry{
    Entry{ErrorCode::bad_request, "bad_request"},
    Entry{ErrorCode::too_many, "too_many"},
    Entry{ErrorCode::bad_csr, "bad_csr"},
    Entry{ErrorCode::csr_signature, "csr_signature"},
    Entry{ErrorCode::weak_key, "weak_key"},
    Entry{ErrorCode::unknown_profile, "unknown_profile"},
    Entry{ErrorCode::unknown_ca, "unknown_ca"},
    Entry{ErrorCode::profile_local_only, "profile_local_only"},
    Entry{ErrorCode::san_invalid, "san_invalid"},
    Entry{ErrorCode::san_not_allowed, "san_not_allowed"},
    Entry{ErrorCode::ava_not_allowed, "ava_not_allowed"},
    Entry{ErrorCode::hash_not_allowed, "hash_not_allowed"},
    Entry{ErrorCode::validity_cap, "validity_cap"},
    Entry{ErrorCode::bad_validity, "bad_validity"},
    Entry{ErrorCode::proof_missing, "proof_missing"},
    Entry{ErrorCode::proof_stale, "proof_stale"},
    Entry{ErrorCode::proof_future, "proof_future"},
    Entry{ErrorCode::request_mismatch, "request_mismatch"},
    Entry{ErrorCode::log_mismatch, "log_mismatch"},
    Entry{ErrorCode::lint, "lint"},
    Entry{ErrorCode::unknown_serial, "unknown_serial"},
    Entry{ErrorCode::wrong_ca, "wrong_ca"},
    Entry{ErrorCode::pgp_key, "pgp_key"},
    Entry{ErrorCode::internal, "internal"},
};

}  // namespace

std::string_view to_string(ErrorCode code) noexcept {
    for (const auto& [c, text] : registry) {
        if (c == code) {
            return text;
        }
    }
    return "internal";  // unreachable: every enumerator is in the registry (unit-tested)
}

std::ostream& operator<<(std::ostream& out, ErrorCode code) {
    return out << to_string(code);
}

std::optional<ErrorCode> to_error_code(std::string_view text) noexcept {
    for (const auto& [c, word] : registry) {
        if (word == text) {
            return c;
        }
    }
    return std::nullopt;
}

std::string Refusal::payload() const {
    std::string out{to_string(code)};
    out.push_back(' ');
    out += message;
    return out;
}

Refusal parse_refusal(std::span<const uint8_t> payload) {
    // Error payloads are UTF-8 text (docs/protocol.md §4); the bytes are taken as they are.
    const std::string text(payload.begin(), payload.end());
    const auto space = text.find(' ');
    const auto word = std::string_view{text}.substr(0, space);
    if (const auto code = to_error_code(word)) {
        return Refusal{*code, space == std::string::npos ? std::string{} : text.substr(space + 1)};
    }
    return Refusal{ErrorCode::internal, "unregistered error code from the signer: " + text};
}

}  // namespace librecord
