// SQLite wrappers: owned handles, a Database facade, prepared Statements and an IMMEDIATE
// Transaction. Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

// This folder is the only one that includes <sqlite3.h> (docs/style.md §2).
#include <librecord/c_handle.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::server::sqlite {

template <auto FreeFn>
using CFree = librecord::CFree<FreeFn>;

using DbPtr = std::unique_ptr<::sqlite3, CFree<&::sqlite3_close_v2>>;
using StmtPtr = std::unique_ptr<::sqlite3_stmt, CFree<&::sqlite3_finalize>>;

/// Throws cassiopeia::Error{database, call, sqlite3_errmsg(db)} unless rc is SQLITE_OK,
/// SQLITE_ROW or SQLITE_DONE. db may be null (then sqlite3_errstr(rc) is the detail).
void check_sqlite(int rc, ::sqlite3* db, const char* call);

enum class OpenMode {
    read_only,   ///< SQLITE_OPEN_READONLY: the file must exist
    read_write,  ///< the file must exist
    create,      ///< created when missing
};

class Statement;

/// One connection. Not copyable; movable. Opened with extended result codes, foreign keys on
/// and a busy timeout, so a second process (audit-verify) waits instead of failing at once.
class Database final {
public:
    static constexpr int busy_timeout_ms = 5000;

    [[nodiscard]] static Database open(const std::string& path, OpenMode mode);

    /// Runs one or more statements without parameters (schema, PRAGMAs). Throws on failure.
    void exec(std::string_view sql);
    [[nodiscard]] Statement prepare(std::string_view sql);

    [[nodiscard]] int64_t changes() const noexcept;
    [[nodiscard]] bool in_transaction() const noexcept;

    [[nodiscard]] ::sqlite3* get() const noexcept { return m_db.get(); }

private:
    friend class Transaction;

    explicit Database(DbPtr db) : m_db(std::move(db)) {}

    DbPtr m_db;
    int m_savepoints = 0;  // open Transactions nested inside the outermost one
};

/// A prepared statement. Parameter indexes start at 1, column indexes at 0 (as in SQLite).
class Statement final {
public:
    Statement(::sqlite3* db, StmtPtr stmt) : m_db(db), m_stmt(std::move(stmt)) {}

    Statement& bind_int64(int index, int64_t value);
    /// The text is copied (SQLITE_TRANSIENT): the argument need not outlive the statement.
    Statement& bind_text(int index, std::string_view value);
    Statement& bind_blob(int index, std::span<const uint8_t> value);
    Statement& bind_null(int index);

    /// Returns true when a row is ready, false when the statement is done. Throws otherwise
    /// (constraint violations included: their detail names the constraint).
    [[nodiscard]] bool step();
    /// Steps a statement that must return no row (INSERT/UPDATE/DELETE).
    void run();
    /// Resets the statement and clears its bindings, for reuse.
    void reset();

    [[nodiscard]] bool column_is_null(int column) const;
    [[nodiscard]] int64_t column_int64(int column) const;
    [[nodiscard]] std::string column_text(int column) const;
    [[nodiscard]] std::vector<uint8_t> column_blob(int column) const;
    [[nodiscard]] std::optional<std::string> column_optional_text(int column) const;

private:
    ::sqlite3* m_db;  // borrowed: the Database outlives its statements
    StmtPtr m_stmt;
};

/// write: BEGIN IMMEDIATE on construction (takes the write lock at once, so a transaction never
/// fails half-way on SQLITE_BUSY). read: BEGIN DEFERRED, a consistent snapshot for readers and
/// read-only connections. ROLLBACK in the destructor unless commit() ran.
///
/// Nesting: constructed while the connection is already inside a transaction, it is a savepoint
/// of that transaction instead (`SAVEPOINT s<depth>`; commit() is `RELEASE`, the destructor
/// `ROLLBACK TO` then `RELEASE`), whatever its kind. Its changes become durable only when the
/// outermost transaction commits, and undoing them leaves the rest of the outer transaction as
/// it was. A write nested in a read transaction takes the write lock at its first write, not at
/// once: open the outermost transaction as a write when anything inside writes.
class Transaction final {
public:
    enum class Kind { write, read };

    explicit Transaction(Database& db, Kind kind = Kind::write);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    Transaction(Transaction&&) = delete;
    Transaction& operator=(Transaction&&) = delete;

    void commit();

    /// Whether the connection is still inside a transaction: SQLite rolls a whole transaction
    /// back by itself after some failures (SQLITE_FULL, SQLITE_IOERR_*, SQLITE_NOMEM).
    [[nodiscard]] bool active() const noexcept { return m_db.in_transaction(); }

    /// Whether this is a savepoint inside an outer transaction (see above).
    [[nodiscard]] bool nested() const noexcept { return !m_savepoint.empty(); }

private:
    Database& m_db;
    std::string m_savepoint;  // empty for the outermost transaction
    bool m_done = false;
};

}  // namespace cassiopeia::server::sqlite
