// The signer's names for the wire's refusal vocabulary (librecord/error_code.hpp): a check
// returns Refusable<T>, a value or a Refusal with its docs/protocol.md §5.8 code.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/error_code.hpp>

#include <variant>

namespace cassiopeia::server {

using librecord::ErrorCode;
using librecord::Refusable;
using librecord::Refusal;
using librecord::refuse;

/** Outcome of a check that yields nothing but success. */
using Status = Refusable<std::monostate>;

[[nodiscard]] inline Status ok_status() {
    return Status{std::monostate{}};
}

}  // namespace cassiopeia::server
