// Result<T, E>: a value or an error, the one expected-style type of the project (until
// std::expected, C++23). Parsers of untrusted bytes use the default E = std::error_code; the
// signer's checks use E = Refusal (error_code.hpp), a §5.8 code and a message.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "errors.hpp"

#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace librecord {

template <class T, class E = std::error_code>
class [[nodiscard]] Result {
public:
    // Implicit on purpose: `return value;` and `return error;` read like std::expected.
    Result(T value)
        : m_v(std::in_place_index<0>, std::move(value)) {
    }  // NOLINT(google-explicit-constructor,hicpp-explicit-conversions)

    Result(E error)
        : m_v(std::in_place_index<1>, std::move(error)) {
    }  // NOLINT(google-explicit-constructor,hicpp-explicit-conversions)

    /** An Errc converts to the std::error_code of a default Result. */
    template <class Code = E>

    requires std::is_same_v<Code, std::error_code> Result(Errc e)
        : m_v(std::in_place_index<1>, make_error_code(e)) {
    }  // NOLINT(google-explicit-constructor,hicpp-explicit-conversions)

    [[nodiscard]] bool ok() const noexcept { return m_v.index() == 0; }

    explicit operator bool() const noexcept { return ok(); }

    [[nodiscard]] T& value() & { return std::get<0>(m_v); }

    [[nodiscard]] const T& value() const& { return std::get<0>(m_v); }

    [[nodiscard]] T&& value() && { return std::get<0>(std::move(m_v)); }

    /** The error; for E = std::error_code an empty code when ok(). Precondition otherwise: !ok().
     */
    [[nodiscard]] const E& error() const& {
        if constexpr (std::is_same_v<E, std::error_code>) {
            static const std::error_code none{};
            return ok() ? none : std::get<1>(m_v);
        } else {
            return std::get<1>(m_v);
        }
    }

    /** Moves the error out (not for E = std::error_code, which is cheap to copy). */
    template <class Code = E>

    requires(!std::is_same_v<Code, std::error_code>) [[nodiscard]] E&& error() && {
        return std::get<1>(std::move(m_v));
    }

    T* operator->() { return &value(); }

    const T* operator->() const { return &value(); }

    T& operator*() & { return value(); }

    const T& operator*() const& { return value(); }

private:
    std::variant<T, E> m_v;
};

}  // namespace librecord
