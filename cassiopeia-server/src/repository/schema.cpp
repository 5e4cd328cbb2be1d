// The repository's schema migrations on SQLite (docs/repository.md describes the tables).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "repository/schema.hpp"

#include "repository/sql_support.hpp"

#include <array>

namespace cassiopeia::server::schema {

using sqlite::Database;
using sqlite::Transaction;

namespace {

struct Migration {
    int64_t version;
    const char* sql;
};

// Migrations run in order, each inside the opening transaction (SQLite DDL is transactional).
// Never edit a released migration: add the next number. docs/repository.md describes the schema.
constexpr std::array<Migration, 2> migrations{{
    {1, R"sql(
CREATE TABLE certificates (
    serial     TEXT PRIMARY KEY NOT NULL
               CHECK (length(serial) >= 2 AND length(serial) % 2 = 0),
    ca         TEXT NOT NULL CHECK (ca <> ''),
    der        BLOB NOT NULL CHECK (length(der) > 0),
    not_before INTEGER NOT NULL,
    not_after  INTEGER NOT NULL CHECK (not_after >= not_before),
    issued_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX certificates_by_ca ON certificates (ca);
CREATE TRIGGER certificates_no_update BEFORE UPDATE ON certificates
BEGIN SELECT RAISE(ABORT, 'certificates are never changed'); END;
CREATE TRIGGER certificates_no_delete BEFORE DELETE ON certificates
BEGIN SELECT RAISE(ABORT, 'certificates are never deleted'); END;

CREATE TABLE requests (
    request_id   TEXT PRIMARY KEY NOT NULL CHECK (request_id <> ''),
    request_hash BLOB NOT NULL CHECK (length(request_hash) = 32),
    log          BLOB NOT NULL,
    result       BLOB NOT NULL,
    signing_ca   TEXT NOT NULL,
    serial       TEXT UNIQUE REFERENCES certificates (serial),
    created      INTEGER NOT NULL
) STRICT;
CREATE TRIGGER requests_no_update BEFORE UPDATE ON requests
BEGIN SELECT RAISE(ABORT, 'requests are never changed'); END;
CREATE TRIGGER requests_no_delete BEFORE DELETE ON requests
BEGIN SELECT RAISE(ABORT, 'requests are never deleted'); END;

CREATE TABLE crl_state (
    ca          TEXT PRIMARY KEY NOT NULL CHECK (ca <> ''),
    crl_number  INTEGER NOT NULL CHECK (crl_number >= 1),
    this_update INTEGER NOT NULL,
    next_update INTEGER NOT NULL CHECK (next_update > this_update),
    crl_der     BLOB NOT NULL CHECK (length(crl_der) > 0),
    delta_der   BLOB NOT NULL
) STRICT;
CREATE TRIGGER crl_number_increases BEFORE UPDATE ON crl_state
WHEN NEW.crl_number <= OLD.crl_number OR NEW.ca IS NOT OLD.ca
BEGIN SELECT RAISE(ABORT, 'crl_number must increase'); END;
CREATE TRIGGER crl_state_no_delete BEFORE DELETE ON crl_state
BEGIN SELECT RAISE(ABORT, 'CRL state is never deleted'); END;

CREATE TABLE revoked (
    serial      TEXT PRIMARY KEY NOT NULL REFERENCES certificates (serial),
    ca          TEXT NOT NULL REFERENCES crl_state (ca),
    revoked_at  INTEGER NOT NULL,
    reason      TEXT CHECK (reason IS NULL OR reason IN ('keyCompromise', 'affiliationChanged',
                    'superseded', 'cessationOfOperation', 'privilegeWithdrawn')),
    crl_added   INTEGER NOT NULL CHECK (crl_added >= 2),
    crl_dropped INTEGER CHECK (crl_dropped IS NULL OR crl_dropped > crl_added)
) STRICT;
CREATE INDEX revoked_listed ON revoked (ca, crl_dropped);

CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    time      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    detail    TEXT NOT NULL,
    prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash      TEXT NOT NULL CHECK (length(hash) = 64)
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql"},
    // 2: every history table append-only (docs/repository.md, "Guards"). revoked: no DELETE,
    // and the one UPDATE the CRL book makes, crl_dropped set once; crl_state: the number goes
    // up by exactly one and the CA never changes.
    {2, R"sql(
CREATE TRIGGER revoked_no_delete BEFORE DELETE ON revoked
BEGIN SELECT RAISE(ABORT, 'revocations are never deleted'); END;
CREATE TRIGGER revoked_only_dropped_once BEFORE UPDATE ON revoked
WHEN OLD.crl_dropped IS NOT NULL OR NEW.crl_dropped IS NULL
     OR NEW.serial IS NOT OLD.serial OR NEW.ca IS NOT OLD.ca
     OR NEW.revoked_at IS NOT OLD.revoked_at OR NEW.reason IS NOT OLD.reason
     OR NEW.crl_added IS NOT OLD.crl_added
BEGIN SELECT RAISE(ABORT, 'a revocation changes only by being dropped once'); END;
DROP TRIGGER crl_number_increases;
CREATE TRIGGER crl_number_increases BEFORE UPDATE ON crl_state
WHEN NEW.crl_number IS NOT OLD.crl_number + 1 OR NEW.ca IS NOT OLD.ca
BEGIN SELECT RAISE(ABORT, 'crl_number must increase by one'); END;
)sql"},
}};

}  // namespace

int64_t read_version(Database& db) {
    auto exists = db.prepare(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
    if (!exists.step() || exists.column_int64(0) == 0) {
        return 0;
    }
    auto st = db.prepare("SELECT coalesce(max(version), 0) FROM schema_version");
    return st.step() ? st.column_int64(0) : 0;
}

namespace {

void migrate_to(Database& db, const std::string& path, int64_t target) {
    Transaction tx{db};
    db.exec(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY NOT NULL, applied TEXT NOT NULL) STRICT;");
    const int64_t current = read_version(db);
    if (current > version) {
        throw Error{ErrorKind::config,
                    "Repository::open",
                    path + ": schema version " + std::to_string(current) +
                        " is newer than this signer's (" + std::to_string(version) + ")"};
    }
    for (const auto& m : migrations) {
        if (m.version <= current || m.version > target) {
            continue;
        }
        db.exec(m.sql);
        db.prepare("INSERT INTO schema_version (version, applied) VALUES (?1, ?2)")
            .bind_int64(1, m.version)
            .bind_text(2, format_utc(repository_sql::now()))
            .run();
    }
    // One `schema` entry per run that changed the version: the version reached, and the one
    // it came from when the repository already existed.
    const int64_t reached = read_version(db);
    if (reached != current) {
        repository_sql::append_audit(
            db,
            "schema",
            "version=" + std::to_string(reached) +
                (current > 0 ? " from=" + std::to_string(current) : std::string{}));
    }
    tx.commit();
}

}  // namespace

void migrate(Database& db, const std::string& path) {
    migrate_to(db, path, version);
}

void migrate_to_for_test(Database& db, const std::string& path, int64_t target) {
    migrate_to(db, path, target);
}

}  // namespace cassiopeia::server::schema
