// CFree: the one stateless deleter for C library handles in std::unique_ptr (docs/style.md §4).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

namespace librecord {

/** Calls FreeFn on a non-null pointer; adds no size to the unique_ptr. */
template <auto FreeFn>
struct CFree {
    template <class T>
    void operator()(T* p) const noexcept {
        if (p != nullptr) {
            FreeFn(p);
        }
    }
};

}  // namespace librecord
