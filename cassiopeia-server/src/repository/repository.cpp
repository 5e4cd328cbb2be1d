// The signer's repository on SQLite: opening (WAL, migrations) and the one lock.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "repository/repository.hpp"

#include "repository/schema.hpp"
#include "sqlite/database.hpp"

#include <librecord/errors.hpp>

#include <filesystem>
#include <utility>

namespace cassiopeia::server {

using sqlite::Database;

static_assert(Repository::schema_version == schema::version);

namespace {

std::string database_path(const std::string& folder) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) {
        throw Error{ErrorKind::config, "Repository::open", folder + ": not a directory"};
    }
    return (fs::path{folder} / Repository::database_file_name).string();
}

}  // namespace

struct Repository::Impl {
    explicit Impl(Database d) : db(std::move(d)) {}

    Database db;
    std::mutex mutex;  // the one lock: guards db (see Repository)
};

Repository::Repository(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

Repository::~Repository() = default;
Repository::Repository(Repository&&) noexcept = default;
Repository& Repository::operator=(Repository&&) noexcept = default;

Repository Repository::open(const std::string& folder) {
    const std::string path = database_path(folder);
    Database db = Database::open(path, sqlite::OpenMode::create);
    {
        auto mode = db.prepare("PRAGMA journal_mode = WAL");
        if (!mode.step() || mode.column_text(0) != "wal") {
            throw Error{ErrorKind::database, "PRAGMA journal_mode", path + ": WAL not available"};
        }
    }
    db.exec("PRAGMA synchronous = FULL;");
    schema::migrate(db, path);
    return Repository{std::make_unique<Impl>(std::move(db))};
}

Repository Repository::open_read_only(const std::string& folder) {
    const std::string path = database_path(folder);
    if (!std::filesystem::exists(path)) {
        throw Error{ErrorKind::config, "Repository::open_read_only", path + ": no repository"};
    }
    Database db = Database::open(path, sqlite::OpenMode::read_only);
    const int64_t version = schema::read_version(db);
    if (version < 1 || version > schema_version) {
        throw Error{ErrorKind::config,
                    "Repository::open_read_only",
                    path + ": unsupported schema version " + std::to_string(version)};
    }
    return Repository{std::make_unique<Impl>(std::move(db))};
}

Repository::Transaction::Transaction(Database& db)
    : m_tx(std::make_unique<sqlite::Transaction>(db)) {}

Repository::Transaction::~Transaction() = default;
Repository::Transaction::Transaction(Transaction&&) noexcept = default;

void Repository::Transaction::commit() {
    m_tx->commit();
}

bool Repository::Transaction::active() const noexcept {
    return m_tx && m_tx->active();
}

Repository::Locked Repository::lock() {
    return Locked{m_impl->mutex, m_impl->db};
}

}  // namespace cassiopeia::server
