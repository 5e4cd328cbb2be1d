// libpq wrappers: the one place that includes <libpq-fe.h> and maps SQLSTATE to errors.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "pq/pq.hpp"

#include <librecord/c_handle.hpp>

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <poll.h>

namespace cassiopeia::client::pq {

namespace {

constexpr unsigned bytea_oid = 17;  // pg_type.oid of bytea (catalog/pg_type.dat)

using FreememPtr = std::unique_ptr<void, librecord::CFree<&::PQfreemem>>;
using NotifyPtr = std::unique_ptr<::PGnotify, librecord::CFree<&::PQfreemem>>;

std::string trimmed(const char* message) {
    std::string s = message != nullptr ? message : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
        s.pop_back();
    }
    return s;
}

[[noreturn]] void throw_conn_error(::PGconn* conn, const char* call) {
    throw PqError{call, trimmed(::PQerrorMessage(conn)), "", Failure::connection};
}

/// check_pq (docs/style.md §8): the one place that turns a PGresult status into an error.
ResultPtr check_pq(::PGconn* conn, ::PGresult* raw, const char* call) {
    ResultPtr res{raw};
    if (!res) {
        // Out of memory or the connection is gone before a result existed.
        throw PqError{call,
                      trimmed(::PQerrorMessage(conn)),
                      "",
                      ::PQstatus(conn) == CONNECTION_BAD ? Failure::connection : Failure::other};
    }
    switch (::PQresultStatus(res.get())) {
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
        case PGRES_EMPTY_QUERY:
            return res;
        default:
            break;
    }
    const char* state = ::PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
    std::string sqlstate = state != nullptr ? state : "";
    Failure failure = classify_sqlstate(sqlstate);
    if (::PQstatus(conn) == CONNECTION_BAD) {
        failure = Failure::connection;
    }
    std::string detail = trimmed(::PQresultErrorMessage(res.get()));
    if (detail.empty()) {
        detail = trimmed(::PQerrorMessage(conn));
    }
    if (!sqlstate.empty()) {
        detail = "SQLSTATE " + sqlstate + ": " + detail;
    }
    throw PqError{call, std::move(detail), std::move(sqlstate), failure};
}

void ignore_notice(void* /*arg*/, const ::PGresult* /*res*/) noexcept {}

}  // namespace

PqError::PqError(std::string call, std::string detail, std::string sqlstate, Failure failure)
    : cassiopeia::Error{cassiopeia::ErrorKind::database, std::move(call), std::move(detail)},
      m_sqlstate(std::move(sqlstate)),
      m_failure(failure) {}

bool is_connection_error(const cassiopeia::Error& e) noexcept {
    const auto* pe = dynamic_cast<const PqError*>(&e);
    return pe != nullptr && pe->failure() == Failure::connection;
}

bool is_transient_error(const cassiopeia::Error& e) noexcept {
    const auto* pe = dynamic_cast<const PqError*>(&e);
    return pe != nullptr && pe->failure() == Failure::transient;
}

bool is_integrity_error(const cassiopeia::Error& e) noexcept {
    const auto* pe = dynamic_cast<const PqError*>(&e);
    return pe != nullptr && pe->failure() == Failure::integrity;
}

std::string sqlstate_of(const cassiopeia::Error& e) {
    const auto* pe = dynamic_cast<const PqError*>(&e);
    return pe != nullptr ? pe->sqlstate() : std::string{};
}

Failure classify_sqlstate(std::string_view sqlstate) noexcept {
    if (sqlstate.empty()) {
        return Failure::connection;  // libpq's own failures carry no SQLSTATE
    }
    if (sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
        sqlstate == "57P03" || sqlstate.starts_with("53")) {
        // Connection exception; admin/crash shutdown, cannot connect now; the server out of
        // memory, disk or connections: the WebDB is down for every job, not for this one.
        return Failure::connection;
    }
    if (sqlstate.starts_with("23")) {
        return Failure::integrity;
    }
    if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03") {
        return Failure::transient;
    }
    return Failure::other;
}

Param Param::bytea(std::span<const uint8_t> bytes) {
    Param p;
    // Binary parameters travel as raw bytes; char and uint8_t have the same representation.
    p.m_value = std::string(bytes.begin(), bytes.end());
    p.m_binary = true;
    return p;
}

Param Param::text_array(const std::vector<std::string>& elements) {
    return Param{to_array_literal(elements)};
}

std::string to_array_literal(const std::vector<std::string>& elements) {
    std::string out = "{";
    for (size_t i = 0; i < elements.size(); ++i) {
        if (i != 0) {
            out += ',';
        }
        out += '"';
        for (const char c : elements[i]) {
            if (c == '"' || c == '\\') {
                out += '\\';
            }
            out += c;
        }
        out += '"';
    }
    out += '}';
    return out;
}

std::optional<std::vector<std::string>> parse_text_array(std::string_view text) {
    if (text.starts_with('[')) {  // explicit bounds, e.g. "[0:1]={a,b}"
        const auto eq = text.find('=');
        if (eq == std::string_view::npos) {
            return std::nullopt;
        }
        text.remove_prefix(eq + 1);
    }
    if (text.size() < 2 || text.front() != '{' || text.back() != '}') {
        return std::nullopt;
    }
    text = text.substr(1, text.size() - 2);
    std::vector<std::string> out;
    if (text.empty()) {
        return out;
    }
    size_t i = 0;
    while (true) {
        std::string element;
        if (i < text.size() && text[i] == '"') {
            ++i;
            bool closed = false;
            while (i < text.size()) {
                const char c = text[i++];
                if (c == '\\') {
                    if (i == text.size()) {
                        return std::nullopt;
                    }
                    element += text[i++];
                } else if (c == '"') {
                    closed = true;
                    break;
                } else {
                    element += c;
                }
            }
            if (!closed) {
                return std::nullopt;
            }
        } else {
            const size_t end = std::min(text.find(',', i), text.size());
            element = std::string{text.substr(i, end - i)};
            if (element.empty() || element == "NULL" ||
                element.find_first_of("{}\"\\") != std::string::npos) {
                return std::nullopt;  // nested, NULL, or not as PostgreSQL prints it
            }
            i = end;
        }
        out.push_back(std::move(element));
        if (i == text.size()) {
            return out;
        }
        if (text[i] != ',') {
            return std::nullopt;
        }
        ++i;
    }
}

void ResultFree::operator()(pg_result* r) const noexcept {
    if (r != nullptr) {
        ::PQclear(r);
    }
}

int Result::rows() const noexcept {
    return ::PQntuples(m_res.get());
}

int Result::columns() const noexcept {
    return ::PQnfields(m_res.get());
}

int64_t Result::affected() const {
    const char* n = ::PQcmdTuples(m_res.get());
    int64_t value = 0;
    if (n == nullptr || *n == '\0') {
        return 0;
    }
    std::from_chars(n, n + std::strlen(n), value);
    return value;
}

void Result::check_cell(int row, int column) const {
    if (row < 0 || row >= rows() || column < 0 || column >= columns()) {
        throw cassiopeia::Error{cassiopeia::ErrorKind::internal, "pq::Result", "cell out of range"};
    }
}

bool Result::is_null(int row, int column) const {
    check_cell(row, column);
    return ::PQgetisnull(m_res.get(), row, column) == 1;
}

std::string Result::text(int row, int column) const {
    if (is_null(row, column)) {
        throw cassiopeia::Error{
            cassiopeia::ErrorKind::internal,
            "pq::Result",
            std::string{"unexpected NULL in column "} + ::PQfname(m_res.get(), column)};
    }
    return {::PQgetvalue(m_res.get(), row, column),
            static_cast<size_t>(::PQgetlength(m_res.get(), row, column))};
}

std::optional<std::string> Result::optional_text(int row, int column) const {
    if (is_null(row, column)) {
        return std::nullopt;
    }
    return text(row, column);
}

int64_t Result::int64(int row, int column) const {
    const std::string s = text(row, column);
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc{} || end != s.data() + s.size()) {
        throw cassiopeia::Error{
            cassiopeia::ErrorKind::database, "pq::Result", "not an integer: " + s};
    }
    return value;
}

std::vector<uint8_t> Result::bytea(int row, int column) const {
    const std::string s = text(row, column);
    size_t length = 0;
    // PQunescapeBytea takes and returns unsigned char*; the text is NUL-terminated by libpq.
    FreememPtr raw{::PQunescapeBytea(reinterpret_cast<const unsigned char*>(s.c_str()), &length)};
    if (!raw) {
        throw cassiopeia::Error{
            cassiopeia::ErrorKind::database, "PQunescapeBytea", "out of memory"};
    }
    const auto* bytes = static_cast<const uint8_t*>(raw.get());
    return {bytes, bytes + length};
}

std::vector<std::string> Result::text_array(int row, int column) const {
    auto parsed = parse_text_array(text(row, column));
    if (!parsed) {
        throw cassiopeia::Error{cassiopeia::ErrorKind::database,
                                "pq::Result",
                                std::string{"not a one-dimensional text array: column "} +
                                    ::PQfname(m_res.get(), column)};
    }
    return std::move(*parsed);
}

void ConnFree::operator()(pg_conn* c) const noexcept {
    if (c != nullptr) {
        ::PQfinish(c);
    }
}

Connection Connection::open(const std::string& conninfo) {
    return Connection::adopt(ConnPtr{::PQconnectdb(conninfo.c_str())}, "PQconnectdb");
}

Connection Connection::open(const std::string& conninfo, std::chrono::seconds connect_timeout) {
    // Keywords before the expanded dbname are defaults: the conninfo's own connect_timeout wins.
    const std::string timeout = std::to_string(std::max<int64_t>(2, connect_timeout.count()));
    const std::array<const char*, 3> keywords{"connect_timeout", "dbname", nullptr};
    const std::array<const char*, 3> values{timeout.c_str(), conninfo.c_str(), nullptr};
    return Connection::adopt(
        ConnPtr{::PQconnectdbParams(keywords.data(), values.data(), /*expand_dbname=*/1)},
        "PQconnectdbParams");
}

Connection Connection::adopt(ConnPtr conn, const char* call) {
    if (!conn) {
        throw PqError{call, "out of memory", "", Failure::connection};
    }
    if (::PQstatus(conn.get()) != CONNECTION_OK) {
        throw_conn_error(conn.get(), call);
    }
    ::PQsetNoticeReceiver(conn.get(), &ignore_notice, nullptr);
    return Connection{std::move(conn)};
}

Result Connection::exec(std::string_view sql, std::span<const Param> params) {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    std::vector<::Oid> types;
    values.reserve(params.size());
    for (const Param& p : params) {
        values.push_back(p.is_null() ? nullptr : p.value().data());
        lengths.push_back(p.is_null() ? 0 : static_cast<int>(p.value().size()));
        formats.push_back(p.is_binary() ? 1 : 0);
        types.push_back(p.is_binary() ? bytea_oid : 0);
    }
    const std::string query{sql};
    return Result{check_pq(m_conn.get(),
                           ::PQexecParams(m_conn.get(),
                                          query.c_str(),
                                          static_cast<int>(params.size()),
                                          types.data(),
                                          values.data(),
                                          lengths.data(),
                                          formats.data(),
                                          0),
                           "PQexecParams")};
}

Result Connection::exec(std::string_view sql, std::initializer_list<Param> params) {
    return exec(sql, std::span<const Param>{params.begin(), params.size()});
}

void Connection::exec_script(const std::string& sql) {
    // PQexec runs several statements in one implicit transaction unless they BEGIN/COMMIT.
    (void)check_pq(m_conn.get(), ::PQexec(m_conn.get(), sql.c_str()), "PQexec");
}

void Connection::listen(std::string_view channel) {
    FreememPtr quoted{::PQescapeIdentifier(m_conn.get(), channel.data(), channel.size())};
    if (!quoted) {
        throw PqError{
            "PQescapeIdentifier", trimmed(::PQerrorMessage(m_conn.get())), "", Failure::other};
    }
    const std::string sql = std::string{"LISTEN "} + static_cast<const char*>(quoted.get());
    (void)check_pq(m_conn.get(), ::PQexec(m_conn.get(), sql.c_str()), "LISTEN");
}

std::optional<Notification> Connection::take_notification() {
    NotifyPtr n{::PQnotifies(m_conn.get())};
    if (!n) {
        return std::nullopt;
    }
    return Notification{
        n->relname != nullptr ? n->relname : "", n->extra != nullptr ? n->extra : "", n->be_pid};
}

std::optional<Notification> Connection::wait_notification(std::chrono::milliseconds timeout) {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + timeout;
    while (true) {
        if (::PQconsumeInput(m_conn.get()) == 0) {
            throw_conn_error(m_conn.get(), "PQconsumeInput");
        }
        if (auto n = take_notification()) {
            return n;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        if (left.count() <= 0) {
            return std::nullopt;
        }
        const int fd = ::PQsocket(m_conn.get());
        if (fd < 0) {
            throw_conn_error(m_conn.get(), "PQsocket");
        }
        ::pollfd pfd{fd, POLLIN, 0};
        const int rc = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 60'000)));
        if (rc < 0 && errno != EINTR) {
            throw PqError{"poll", std::strerror(errno), "", Failure::connection};
        }
    }
}

bool Connection::ok() const noexcept {
    return ::PQstatus(m_conn.get()) == CONNECTION_OK;
}

bool Connection::in_transaction() const noexcept {
    const auto s = ::PQtransactionStatus(m_conn.get());
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR || s == PQTRANS_ACTIVE;
}

bool Connection::transaction_failed() const noexcept {
    return ::PQtransactionStatus(m_conn.get()) == PQTRANS_INERROR;
}

int Connection::backend_pid() const noexcept {
    return ::PQbackendPID(m_conn.get());
}

Transaction::Transaction(Connection& conn) : m_conn(conn) {
    (void)m_conn.exec("BEGIN");
}

Transaction::~Transaction() {
    if (m_open && m_conn.ok()) {
        // Rolls back without throwing: a failed ROLLBACK leaves a connection the caller
        // drops anyway (the next statement reports it).
        try {
            (void)m_conn.exec("ROLLBACK");
        } catch (
            const cassiopeia::Error&) {  // NOLINT(bugprone-empty-catch): reported by the next use
        }
    }
}

void Transaction::commit() {
    m_open = false;
    if (m_conn.transaction_failed()) {
        // COMMIT would quietly roll back; say so instead.
        (void)m_conn.exec("ROLLBACK");
        throw PqError{
            "COMMIT", "the transaction had failed and was rolled back", "25P02", Failure::other};
    }
    (void)m_conn.exec("COMMIT");
}

}  // namespace cassiopeia::client::pq
