// FaultyVfs: the platform's SQLite VFS with writes and syncs that fail on demand, to drive the
// repository through a full or read-only file system without one (tests only).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

namespace cassiopeia::test {

/**
 * While alive, the default SQLite VFS: the platform's default VFS, except that writes,
 * truncations and syncs return an injected result code when armed. A write that fails is not
 * passed on (nothing reaches the file), as with ENOSPC or EROFS. Connections opened while it is
 * alive must be closed before it is destroyed. One at a time, one thread.
 */
class FaultyVfs final {
public:
    FaultyVfs();
    ~FaultyVfs();
    FaultyVfs(const FaultyVfs&) = delete;
    FaultyVfs& operator=(const FaultyVfs&) = delete;

    /// After `after` more writes that succeed, every write and truncation returns rc
    /// (SQLITE_FULL as the unix VFS reports ENOSPC, SQLITE_IOERR_WRITE as it reports EROFS).
    void fail_writes(int rc, int after = 0);
    /// Every sync returns rc (e.g. SQLITE_IOERR_FSYNC).
    void fail_syncs(int rc);
    /// Space is back: nothing fails any more.
    void heal();
    /// How many calls failed by injection since construction.
    [[nodiscard]] int injected() const;
};

}  // namespace cassiopeia::test
