// WebDB migrations: the sql/NNN_*.sql files, embedded at build time, applied in order.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "pq/pq.hpp"

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::client {

/** One migration file: sql/<NNN>_<what>.sql gives version NNN and name <NNN>_<what>. */
struct Migration {
    int version = 0;
    std::string name;
    std::string_view sql;
};

/**
 * Applies migrations in version order. Each runs in its own transaction together with its
 * cassiopeia.schema_version row, under a transaction-level advisory lock, so two clients
 * migrating at once apply each file once. Applying again changes nothing.
 */
class Migrator final {
public:
    /** The migrations embedded into the binary (the sql/NNN_what.sql files of the source tree). */
    Migrator();
    /** Explicit migrations (tests). Throws Error{internal} on duplicate or bad versions. */
    explicit Migrator(std::vector<Migration> migrations);

    /** The migrations compiled into this binary, sorted by version. */
    [[nodiscard]] static std::vector<Migration> embedded();

    [[nodiscard]] const std::vector<Migration>& migrations() const noexcept { return m_migrations; }

    /** The highest version this Migrator knows. */
    [[nodiscard]] int latest_version() const noexcept;

    /** Applies what is missing; returns the schema version afterwards. Throws pq::PqError. */
    int apply(pq::Connection& conn);

    /** The highest applied version; nullopt when the schema has never been migrated. */
    [[nodiscard]] static std::optional<int> current_version(pq::Connection& conn);

private:
    std::vector<Migration> m_migrations;
};

/**
 * `cassiopeia-client migrate`: connects (empty conninfo = the PG* environment), migrates,
 * prints the schema version on `out` (one line, the number). Returns the exit status of
 * docs/conventions.md §1: 0, or 1 when the database failed (message on `err`).
 */
[[nodiscard]] int run_migrate(const std::string& conninfo, std::ostream& out, std::ostream& err);

}  // namespace cassiopeia::client
