// The signer's repository: one SQLite database inside the repository folder, and the one lock
// that guards it (docs/repository.md). Its books hold the tables by concern: requests and
// certificates (request_book.hpp), CRLs (crl_book.hpp) and the audit chain (audit_log.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "repository/audit_log.hpp"
#include "repository/crl_book.hpp"
#include "repository/request_book.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace cassiopeia::server {

namespace sqlite {
class Transaction;
}  // namespace sqlite

/**
 * Owns the repository's one SQLite connection and the one mutex that guards it.
 *
 * Locking: the books are reached only through lock(), which takes the mutex and returns a
 * Locked; the mutex is held for the Locked's lifetime, and the books a Locked hands out must
 * not outlive it. Each book call is one transaction. A caller that needs several calls to be
 * atomic holds one Locked across them: the signing service does so from the look-up of a
 * request id through signing to its commit, so that one request id is never signed twice
 * (docs/protocol.md §6). The mutex is not recursive: code holding a Locked (a CrlSigner
 * included) must not call lock() again.
 *
 * Group commit: Locked::transaction() opens a write transaction that spans several book calls;
 * each book call inside it (and each inner transaction()) becomes a savepoint, so a failing one
 * undoes only itself, and the outermost commit makes them all durable at once (one fsync).
 *
 * Database failures throw cassiopeia::Error{database}; refusals the protocol defines are
 * values (RevokeOutcome).
 */
class Repository final {
public:
    static constexpr const char* database_file_name = "repository.sqlite";
    static constexpr int64_t schema_version = 2;

    /// Opens (creating if needed) <folder>/repository.sqlite: WAL, synchronous=FULL, schema
    /// migrated to schema_version. The folder must exist (Error{config} otherwise).
    [[nodiscard]] static Repository open(const std::string& folder);
    /// Opens an existing repository without writing to it (audit-verify, check).
    [[nodiscard]] static Repository open_read_only(const std::string& folder);

    ~Repository();
    Repository(Repository&&) noexcept;
    Repository& operator=(Repository&&) noexcept;
    Repository(const Repository&) = delete;
    Repository& operator=(const Repository&) = delete;

    class Locked;

    /**
     * A write transaction across book calls (see Group commit above): BEGIN IMMEDIATE, or a
     * savepoint when one is open already. Rolled back on destruction unless commit() ran.
     * Must not outlive the Locked that opened it.
     */
    class Transaction final {
    public:
        ~Transaction();
        Transaction(Transaction&&) noexcept;
        Transaction& operator=(Transaction&&) = delete;
        Transaction(const Transaction&) = delete;
        Transaction& operator=(const Transaction&) = delete;

        /** Commits (the outermost) or releases the savepoint; throws Error{database}. */
        void commit();

        /**
         * False when SQLite rolled the whole transaction back by itself after a failed write
         * (a full or failing file system): nothing written inside it is kept.
         */
        [[nodiscard]] bool active() const noexcept;

    private:
        friend class Locked;

        explicit Transaction(sqlite::Database& db);

        std::unique_ptr<sqlite::Transaction> m_tx;
    };

    /** The repository's lock, held: the only way to its books. */
    class Locked final {
    public:
        /** Opens a write transaction over the books (see Transaction). */
        [[nodiscard]] Transaction transaction() { return Transaction{*m_db}; }

        [[nodiscard]] RequestBook requests() noexcept { return RequestBook{*m_db}; }

        [[nodiscard]] CrlBook crls() noexcept { return CrlBook{*m_db}; }

        [[nodiscard]] AuditLog audit() noexcept { return AuditLog{*m_db}; }

    private:
        friend class Repository;

        Locked(std::mutex& mutex, sqlite::Database& db) : m_lock(mutex), m_db(&db) {}

        std::unique_lock<std::mutex> m_lock;
        sqlite::Database* m_db;
    };

    /** Takes the lock; blocks while another thread holds it. */
    [[nodiscard]] Locked lock();

private:
    struct Impl;
    explicit Repository(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

}  // namespace cassiopeia::server
