// libpq wrappers: owned connection and results, parameterised queries, transactions, LISTEN.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

// Only pq.cpp includes <libpq-fe.h> (docs/style.md §2); this header names libpq's structs by their
// tags, so users of the wrapper need neither libpq's headers nor its include path.
#include <librecord/errors.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

extern "C" {
struct pg_conn;
struct pg_result;
}

namespace cassiopeia::client::pq {

/**
 * How a database failure should be handled; the daemon tests this, never SQLSTATE text. Only
 * `connection` is a WebDB outage; the daemon fails the job in hand for `integrity` and `other`
 * and retries it (counting the attempt) for `transient` (docs/protocol.md §8.7).
 */
enum class Failure {
    connection,  ///< the connection is gone or unusable (no SQLSTATE, class 08, 57P01-57P03,
                 ///< class 53 insufficient resources)
    integrity,   ///< a constraint refused the change (SQLSTATE class 23: unique, check, FK)
    transient,   ///< serialization failure, deadlock, lock not available: try again
    other,       ///< anything else: bad data (class 22), a bug in a query, ...
};

/**
 * A failed libpq call. It is a cassiopeia::Error with kind database; sqlstate() is the
 * five-character SQLSTATE or empty when the server sent none (connection failures).
 */
class PqError final : public cassiopeia::Error {
public:
    PqError(std::string call, std::string detail, std::string sqlstate, Failure failure);

    [[nodiscard]] const std::string& sqlstate() const noexcept { return m_sqlstate; }

    [[nodiscard]] Failure failure() const noexcept { return m_failure; }

private:
    std::string m_sqlstate;
    Failure m_failure;
};

/** True when `e` is a PqError for a lost or unusable connection (reconnect, do not fail jobs). */
[[nodiscard]] bool is_connection_error(const cassiopeia::Error& e) noexcept;

/** True when `e` is a PqError worth retrying as it is (40001, 40P01, 55P03). */
[[nodiscard]] bool is_transient_error(const cassiopeia::Error& e) noexcept;

/** True when `e` is a PqError raised by a constraint (SQLSTATE class 23). */
[[nodiscard]] bool is_integrity_error(const cassiopeia::Error& e) noexcept;

/** The SQLSTATE of a PqError; empty for other errors. */
[[nodiscard]] std::string sqlstate_of(const cassiopeia::Error& e);

/** Maps a SQLSTATE (empty: none) to how it is handled. */
[[nodiscard]] Failure classify_sqlstate(std::string_view sqlstate) noexcept;

/** One query parameter: text, binary (sent as bytea, format 1) or NULL. */
class Param final {
public:
    // NOLINTNEXTLINE(google-explicit-constructor,hicpp-explicit-conversions): implicit by design
    Param(std::string text) : m_value(std::move(text)) {}

    // NOLINTNEXTLINE(google-explicit-constructor,hicpp-explicit-conversions): implicit by design
    Param(const char* text) : m_value(std::string{text}) {}

    // NOLINTNEXTLINE(google-explicit-constructor,hicpp-explicit-conversions): implicit by design
    Param(std::string_view text) : m_value(std::string{text}) {}

    [[nodiscard]] static Param null() { return Param{}; }

    [[nodiscard]] static Param integer(int64_t value) { return Param{std::to_string(value)}; }

    [[nodiscard]] static Param bytea(std::span<const uint8_t> bytes);

    /** A one-dimensional text[] literal; every element quoted. */
    [[nodiscard]] static Param text_array(const std::vector<std::string>& elements);

    [[nodiscard]] bool is_null() const noexcept { return !m_value.has_value(); }

    [[nodiscard]] bool is_binary() const noexcept { return m_binary; }

    [[nodiscard]] const std::string& value() const { return *m_value; }

private:
    Param() = default;

    std::optional<std::string> m_value;
    bool m_binary = false;
};

/** Encodes a text[] literal (`{"a","b\"c"}`) for a text parameter. */
[[nodiscard]] std::string to_array_literal(const std::vector<std::string>& elements);

/**
 * Parses a one-dimensional array as PostgreSQL prints it in text format (`{a,"b c"}`, with an
 * optional `[lo:hi]=` prefix). nullopt when malformed, nested, or holding a NULL element.
 */
[[nodiscard]] std::optional<std::vector<std::string>> parse_text_array(std::string_view text);

struct ResultFree {
    void operator()(pg_result* r) const noexcept;
};

using ResultPtr = std::unique_ptr<pg_result, ResultFree>;

/** A successful query result (text format). Row and column indexes start at 0. */
class Result final {
public:
    explicit Result(ResultPtr res) : m_res(std::move(res)) {}

    [[nodiscard]] int rows() const noexcept;
    [[nodiscard]] int columns() const noexcept;
    /** Rows changed by INSERT/UPDATE/DELETE (PQcmdTuples); 0 for other commands. */
    [[nodiscard]] int64_t affected() const;

    [[nodiscard]] bool is_null(int row, int column) const;
    /** The value as text; throws Error{internal} when the cell is NULL or out of range. */
    [[nodiscard]] std::string text(int row, int column) const;
    [[nodiscard]] std::optional<std::string> optional_text(int row, int column) const;
    [[nodiscard]] int64_t int64(int row, int column) const;
    /** A bytea column (hex text format) decoded. */
    [[nodiscard]] std::vector<uint8_t> bytea(int row, int column) const;
    /** A text[] column decoded; throws Error{database} when it is not a plain list. */
    [[nodiscard]] std::vector<std::string> text_array(int row, int column) const;

private:
    void check_cell(int row, int column) const;

    ResultPtr m_res;
};

/** A notification received on a LISTENed channel. */
struct Notification {
    std::string channel;
    std::string payload;
    int backend_pid = 0;
};

struct ConnFree {
    void operator()(pg_conn* c) const noexcept;
};

using ConnPtr = std::unique_ptr<pg_conn, ConnFree>;

/** One database connection. Movable, not copyable. Every method throws PqError on failure. */
class Connection final {
public:
    /**
     * Connects with a libpq conninfo string or URI; an empty string means libpq's defaults
     * and the PG* environment (PGHOST, PGPORT, PGDATABASE, PGUSER, ...). Server notices are
     * dropped instead of printed to stderr (stdout and stderr belong to the command).
     */
    [[nodiscard]] static Connection open(const std::string& conninfo);
    /**
     * As open(conninfo), giving up after `connect_timeout` (libpq's connect_timeout, at least
     * 2 s) unless the conninfo sets its own: for one-shot commands that must not hang.
     */
    [[nodiscard]] static Connection open(const std::string& conninfo,
                                         std::chrono::seconds connect_timeout);

    /** Runs one parameterised statement ($1, $2, ...), results in text format. */
    Result exec(std::string_view sql, std::span<const Param> params = {});
    Result exec(std::string_view sql, std::initializer_list<Param> params);
    /** Runs a script of several statements without parameters (migrations). */
    void exec_script(const std::string& sql);

    /** LISTEN on a channel (quoted as an identifier). */
    void listen(std::string_view channel);
    /**
     * Returns a pending notification, or waits up to `timeout` for one (poll on the socket).
     * nullopt on timeout; throws PqError{connection} when the connection is lost.
     */
    [[nodiscard]] std::optional<Notification> wait_notification(std::chrono::milliseconds timeout);

    /** False once libpq reports the connection as bad. */
    [[nodiscard]] bool ok() const noexcept;
    /** Whether a transaction block is open (or failed and awaiting ROLLBACK). */
    [[nodiscard]] bool in_transaction() const noexcept;
    /** Whether the open transaction block has failed (only ROLLBACK is accepted). */
    [[nodiscard]] bool transaction_failed() const noexcept;
    /** The server process id (pg_backend_pid), for tests and logs. */
    [[nodiscard]] int backend_pid() const noexcept;

private:
    explicit Connection(ConnPtr conn) : m_conn(std::move(conn)) {}

    /** Checks a new connection (`call` names the libpq call) and takes it over. */
    [[nodiscard]] static Connection adopt(ConnPtr conn, const char* call);

    [[nodiscard]] std::optional<Notification> take_notification();

    ConnPtr m_conn;
};

/**
 * BEGIN on construction; ROLLBACK in the destructor unless commit() was called. Statements go
 * through the Connection as usual while the Transaction lives.
 */
class Transaction final {
public:
    explicit Transaction(Connection& conn);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    Transaction(Transaction&&) = delete;
    Transaction& operator=(Transaction&&) = delete;

    void commit();

private:
    Connection& m_conn;
    bool m_open = true;
};

}  // namespace cassiopeia::client::pq
