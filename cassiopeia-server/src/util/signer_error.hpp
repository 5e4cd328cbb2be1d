// A signer refusal as a value (protocol.md §5.8) and Outcome<T>, a value or such a refusal.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace cassiopeia::server {

/** The error codes of protocol.md §5.8, as sent on the line. */
namespace errc {
inline constexpr std::string_view bad_request = "bad_request";
inline constexpr std::string_view too_many = "too_many";
inline constexpr std::string_view bad_csr = "bad_csr";
inline constexpr std::string_view csr_signature = "csr_signature";
inline constexpr std::string_view weak_key = "weak_key";
inline constexpr std::string_view unknown_profile = "unknown_profile";
inline constexpr std::string_view unknown_ca = "unknown_ca";
inline constexpr std::string_view profile_local_only = "profile_local_only";
inline constexpr std::string_view san_invalid = "san_invalid";
inline constexpr std::string_view san_not_allowed = "san_not_allowed";
inline constexpr std::string_view ava_not_allowed = "ava_not_allowed";
inline constexpr std::string_view hash_not_allowed = "hash_not_allowed";
inline constexpr std::string_view validity_cap = "validity_cap";
inline constexpr std::string_view bad_validity = "bad_validity";
inline constexpr std::string_view proof_missing = "proof_missing";
inline constexpr std::string_view proof_stale = "proof_stale";
inline constexpr std::string_view proof_future = "proof_future";
inline constexpr std::string_view request_mismatch = "request_mismatch";
inline constexpr std::string_view log_mismatch = "log_mismatch";
inline constexpr std::string_view lint = "lint";
inline constexpr std::string_view unknown_serial = "unknown_serial";
inline constexpr std::string_view wrong_ca = "wrong_ca";
inline constexpr std::string_view pgp_key = "pgp_key";
inline constexpr std::string_view internal = "internal";
}  // namespace errc

/** A refusal: `error <code> <message>` on the line. The message never carries key material. */
struct SignerError {
    std::string code;
    std::string message;

    /** The payload of the `error` record: "<code> <message>". */
    [[nodiscard]] std::string payload() const { return code + ' ' + message; }
};

[[nodiscard]] inline SignerError refuse(std::string_view code, std::string message) {
    return SignerError{std::string{code}, std::move(message)};
}

/** A value or a refusal; refusals are values, never exceptions (style.md §5). */
template <class T>
class [[nodiscard]] Outcome {
public:
    Outcome(T value) : m_v(std::in_place_index<0>, std::move(value)) {}  // NOLINT

    Outcome(SignerError err) : m_v(std::in_place_index<1>, std::move(err)) {}  // NOLINT

    [[nodiscard]] bool ok() const noexcept { return m_v.index() == 0; }

    explicit operator bool() const noexcept { return ok(); }

    [[nodiscard]] T& value() & { return std::get<0>(m_v); }

    [[nodiscard]] const T& value() const& { return std::get<0>(m_v); }

    [[nodiscard]] T&& value() && { return std::get<0>(std::move(m_v)); }

    [[nodiscard]] const SignerError& error() const& { return std::get<1>(m_v); }

    [[nodiscard]] SignerError&& error() && { return std::get<1>(std::move(m_v)); }

    T* operator->() { return &value(); }

    const T* operator->() const { return &value(); }

    T& operator*() & { return value(); }

    const T& operator*() const& { return value(); }

private:
    std::variant<T, SignerError> m_v;
};

/** Outcome of a check that yields nothing but success. */
using Status = Outcome<std::monostate>;

[[nodiscard]] inline Status ok_status() {
    return Status{std::monostate{}};
}

}  // namespace cassiopeia::server
