// SQLite wrappers: open, exec, prepared statements, transactions; one checker for every call.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "sqlite/database.hpp"

#include <librecord/errors.hpp>

#include <limits>

namespace cassiopeia::server::sqlite {

namespace {

int to_int_length(size_t n, const char* call) {
    if (n > static_cast<size_t>(std::numeric_limits<int>::max())) {
        throw Error{ErrorKind::database, call, "value too large for SQLite"};
    }
    return static_cast<int>(n);
}

}  // namespace

void check_sqlite(int rc, ::sqlite3* db, const char* call) {
    if (rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE) {
        return;
    }
    std::string detail = db != nullptr ? ::sqlite3_errmsg(db) : ::sqlite3_errstr(rc);
    detail += " (" + std::to_string(rc) + ")";
    throw Error{ErrorKind::database, call, std::move(detail)};
}

Database Database::open(const std::string& path, OpenMode mode) {
    int flags = SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW;
    switch (mode) {
        case OpenMode::read_only:
            flags |= SQLITE_OPEN_READONLY;
            break;
        case OpenMode::read_write:
            flags |= SQLITE_OPEN_READWRITE;
            break;
        case OpenMode::create:
            flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
            break;
    }
    ::sqlite3* raw = nullptr;
    const int rc = ::sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    DbPtr db{raw};  // sqlite3_open_v2 hands out a handle even on failure; we own it now
    if (rc != SQLITE_OK) {
        std::string detail = db ? ::sqlite3_errmsg(db.get()) : ::sqlite3_errstr(rc);
        throw Error{ErrorKind::database, "sqlite3_open_v2", path + ": " + detail};
    }
    check_sqlite(
        ::sqlite3_extended_result_codes(db.get(), 1), db.get(), "sqlite3_extended_result_codes");
    check_sqlite(
        ::sqlite3_busy_timeout(db.get(), busy_timeout_ms), db.get(), "sqlite3_busy_timeout");
    Database out{std::move(db)};
    out.exec("PRAGMA foreign_keys = ON;");
    return out;
}

void Database::exec(std::string_view sql) {
    const std::string copy{sql};  // sqlite3_exec needs a NUL-terminated string
    char* err = nullptr;
    const int rc = ::sqlite3_exec(m_db.get(), copy.c_str(), nullptr, nullptr, &err);
    const std::unique_ptr<char, CFree<&::sqlite3_free>> owned{err};
    if (rc != SQLITE_OK) {
        throw Error{ErrorKind::database,
                    "sqlite3_exec",
                    owned ? std::string{owned.get()} : std::string{::sqlite3_errstr(rc)}};
    }
}

Statement Database::prepare(std::string_view sql) {
    ::sqlite3_stmt* raw = nullptr;
    const int rc = ::sqlite3_prepare_v2(
        m_db.get(), sql.data(), to_int_length(sql.size(), "sqlite3_prepare_v2"), &raw, nullptr);
    StmtPtr stmt{raw};
    check_sqlite(rc, m_db.get(), "sqlite3_prepare_v2");
    if (!stmt) {
        throw Error{ErrorKind::internal, "sqlite3_prepare_v2", "empty SQL statement"};
    }
    return Statement{m_db.get(), std::move(stmt)};
}

int64_t Database::changes() const noexcept {
    return ::sqlite3_changes64(m_db.get());
}

bool Database::in_transaction() const noexcept {
    return ::sqlite3_get_autocommit(m_db.get()) == 0;
}

Statement& Statement::bind_int64(int index, int64_t value) {
    check_sqlite(::sqlite3_bind_int64(m_stmt.get(), index, value), m_db, "sqlite3_bind_int64");
    return *this;
}

Statement& Statement::bind_text(int index, std::string_view value) {
    check_sqlite(
        ::sqlite3_bind_text64(
            m_stmt.get(), index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        m_db,
        "sqlite3_bind_text64");
    return *this;
}

Statement& Statement::bind_blob(int index, std::span<const uint8_t> value) {
    // An empty span may have a null data(); SQLite would then bind NULL, not an empty blob.
    static constexpr uint8_t empty = 0;
    const void* data = value.empty() ? &empty : value.data();
    check_sqlite(::sqlite3_bind_blob64(m_stmt.get(), index, data, value.size(), SQLITE_TRANSIENT),
                 m_db,
                 "sqlite3_bind_blob64");
    return *this;
}

Statement& Statement::bind_null(int index) {
    check_sqlite(::sqlite3_bind_null(m_stmt.get(), index), m_db, "sqlite3_bind_null");
    return *this;
}

bool Statement::step() {
    const int rc = ::sqlite3_step(m_stmt.get());
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    check_sqlite(rc, m_db, "sqlite3_step");
    return false;
}

void Statement::run() {
    if (step()) {
        throw Error{ErrorKind::internal, "sqlite3_step", "statement returned a row"};
    }
}

void Statement::reset() {
    ::sqlite3_reset(m_stmt.get());  // returns the last step's error, already reported
    check_sqlite(::sqlite3_clear_bindings(m_stmt.get()), m_db, "sqlite3_clear_bindings");
}

bool Statement::column_is_null(int column) const {
    return ::sqlite3_column_type(m_stmt.get(), column) == SQLITE_NULL;
}

int64_t Statement::column_int64(int column) const {
    return ::sqlite3_column_int64(m_stmt.get(), column);
}

std::string Statement::column_text(int column) const {
    const unsigned char* text = ::sqlite3_column_text(m_stmt.get(), column);
    const int n = ::sqlite3_column_bytes(m_stmt.get(), column);
    if (text == nullptr || n <= 0) {
        return {};
    }
    // reinterpret_cast: SQLite hands out UTF-8 as unsigned char
    return std::string{reinterpret_cast<const char*>(text), static_cast<size_t>(n)};
}

std::vector<uint8_t> Statement::column_blob(int column) const {
    const void* data = ::sqlite3_column_blob(m_stmt.get(), column);
    const int n = ::sqlite3_column_bytes(m_stmt.get(), column);
    if (data == nullptr || n <= 0) {
        return {};
    }
    const auto* bytes = static_cast<const uint8_t*>(data);
    return std::vector<uint8_t>(bytes, bytes + n);
}

std::optional<std::string> Statement::column_optional_text(int column) const {
    if (column_is_null(column)) {
        return std::nullopt;
    }
    return column_text(column);
}

Transaction::Transaction(Database& db, Kind kind) : m_db(db) {
    if (m_db.in_transaction()) {
        const std::string name = "s" + std::to_string(m_db.m_savepoints + 1);
        m_db.exec("SAVEPOINT " + name);
        m_savepoint = name;
        ++m_db.m_savepoints;
        return;
    }
    m_db.exec(kind == Kind::write ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction() {
    if (m_done) {
        return;
    }
    // Destructors must not throw; a failed ROLLBACK leaves SQLite to roll back on close.
    if (nested()) {
        --m_db.m_savepoints;
        if (m_db.in_transaction()) {
            // ROLLBACK TO undoes the savepoint's changes and keeps it open; RELEASE ends it.
            const std::string sql = "ROLLBACK TO " + m_savepoint + "; RELEASE " + m_savepoint;
            ::sqlite3_exec(m_db.get(), sql.c_str(), nullptr, nullptr, nullptr);
        }
    } else if (m_db.in_transaction()) {
        ::sqlite3_exec(m_db.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

void Transaction::commit() {
    if (nested()) {
        m_db.exec("RELEASE " + m_savepoint);
        --m_db.m_savepoints;
    } else {
        m_db.exec("COMMIT");
    }
    m_done = true;
}

}  // namespace cassiopeia::server::sqlite
