// Helpers the repository's books share inside repository/: time columns, invariants and the
// audit append that runs inside the caller's transaction.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "repository/audit_log.hpp"
#include "sqlite/database.hpp"
#include "util/time_util.hpp"

#include <librecord/errors.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace cassiopeia::server::repository_sql {

/// The previous hash of the first audit entry, and the head of an empty chain.
inline const std::string zero_hash(64, '0');

[[nodiscard]] inline int64_t to_db(UnixTime t) {
    return static_cast<int64_t>(t.time_since_epoch().count());
}

[[nodiscard]] inline UnixTime from_db(int64_t v) {
    return UnixTime{std::chrono::seconds{v}};
}

[[nodiscard]] inline UnixTime now() {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

[[noreturn]] inline void invariant(const char* call, const std::string& why) {
    throw Error{ErrorKind::internal, call, why};
}

/// Appends one audit entry inside the caller's write transaction (defined in audit_log.cpp).
AuditEntry append_audit(sqlite::Database& db, std::string_view kind, std::string_view detail);

}  // namespace cassiopeia::server::repository_sql
