// The repository's schema: the migrations that make it, applied in order when it is opened
// (docs/repository.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstdint>
#include <string>

namespace cassiopeia::server {

namespace sqlite {
class Database;
}  // namespace sqlite

namespace schema {

/// The version the last migration makes.
inline constexpr int64_t version = 2;

/// The schema version of db: 0 for a database no migration ever ran on.
[[nodiscard]] int64_t read_version(sqlite::Database& db);

/// Applies every migration above db's version in one transaction, with one `schema` audit
/// entry naming the version reached. Throws Error{config} if db is newer than this signer
/// (`path` names it).
void migrate(sqlite::Database& db, const std::string& path);

/// migrate() that stops at `target`: makes repositories of an older schema for tests.
void migrate_to_for_test(sqlite::Database& db, const std::string& path, int64_t target);

}  // namespace schema
}  // namespace cassiopeia::server
