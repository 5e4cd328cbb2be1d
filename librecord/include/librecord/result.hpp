// Result<T>: a value or an std::error_code, for one-shot parsers (style.md §5).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "errors.hpp"

#include <system_error>
#include <utility>
#include <variant>

namespace librecord {

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}  // NOLINT

    Result(std::error_code ec) : m_v(std::in_place_index<1>, ec) {}  // NOLINT

    Result(Errc e) : m_v(std::in_place_index<1>, make_error_code(e)) {}  // NOLINT

    [[nodiscard]] bool ok() const noexcept { return m_v.index() == 0; }

    explicit operator bool() const noexcept { return ok(); }

    [[nodiscard]] std::error_code error() const noexcept {
        return ok() ? std::error_code{} : std::get<1>(m_v);
    }

    [[nodiscard]] T& value() & { return std::get<0>(m_v); }

    [[nodiscard]] const T& value() const& { return std::get<0>(m_v); }

    [[nodiscard]] T&& value() && { return std::get<0>(std::move(m_v)); }

    T* operator->() { return &value(); }

    const T* operator->() const { return &value(); }

    T& operator*() & { return value(); }

    const T& operator*() const& { return value(); }

private:
    std::variant<T, std::error_code> m_v;
};

}  // namespace librecord
