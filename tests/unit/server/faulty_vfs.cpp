// FaultyVfs: a shim over the platform's SQLite VFS that fails writes and syncs on demand.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "faulty_vfs.hpp"

#include <sqlite3.h>

#include <stdexcept>

namespace cassiopeia::test {

namespace {

struct State {
    sqlite3_vfs* real = nullptr;
    sqlite3_vfs shim{};
    bool active = false;
    int write_rc = SQLITE_OK;
    int writes_left = 0;
    int sync_rc = SQLITE_OK;
    int injected = 0;
};

State& state() {
    static State s;
    return s;
}

/// Our file: the platform's file follows it in the same allocation (szOsFile covers both).
struct File {
    sqlite3_file base;
    sqlite3_file* real;
};

sqlite3_file* real_of(sqlite3_file* f) {
    // reinterpret_cast: SQLite hands back the sqlite3_file that opens our File
    return reinterpret_cast<File*>(f)->real;
}

int injected_write() {
    State& s = state();
    if (s.write_rc == SQLITE_OK) {
        return SQLITE_OK;
    }
    if (s.writes_left > 0) {
        --s.writes_left;
        return SQLITE_OK;
    }
    ++s.injected;
    return s.write_rc;
}

int x_close(sqlite3_file* f) {
    sqlite3_file* r = real_of(f);
    return r->pMethods != nullptr ? r->pMethods->xClose(r) : SQLITE_OK;
}

int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
    return real_of(f)->pMethods->xRead(real_of(f), buf, n, off);
}

int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
    if (const int rc = injected_write(); rc != SQLITE_OK) {
        return rc;
    }
    return real_of(f)->pMethods->xWrite(real_of(f), buf, n, off);
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
    if (const int rc = injected_write(); rc != SQLITE_OK) {
        return rc;
    }
    return real_of(f)->pMethods->xTruncate(real_of(f), size);
}

int x_sync(sqlite3_file* f, int flags) {
    State& s = state();
    if (s.sync_rc != SQLITE_OK) {
        ++s.injected;
        return s.sync_rc;
    }
    return real_of(f)->pMethods->xSync(real_of(f), flags);
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
    return real_of(f)->pMethods->xFileSize(real_of(f), size);
}

int x_lock(sqlite3_file* f, int level) {
    return real_of(f)->pMethods->xLock(real_of(f), level);
}

int x_unlock(sqlite3_file* f, int level) {
    return real_of(f)->pMethods->xUnlock(real_of(f), level);
}

int x_check_reserved_lock(sqlite3_file* f, int* out) {
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

int x_file_control(sqlite3_file* f, int op, void* arg) {
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

int x_sector_size(sqlite3_file* f) {
    return real_of(f)->pMethods->xSectorSize(real_of(f));
}

int x_device_characteristics(sqlite3_file* f) {
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
    return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}

int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}

void x_shm_barrier(sqlite3_file* f) {
    real_of(f)->pMethods->xShmBarrier(real_of(f));
}

int x_shm_unmap(sqlite3_file* f, int delete_flag) {
    return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}

int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
    return real_of(f)->pMethods->xFetch(real_of(f), off, n, out);
}

int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
    return real_of(f)->pMethods->xUnfetch(real_of(f), off, p);
}

const sqlite3_io_methods methods = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
    // reinterpret_cast: szOsFile reserved room for our File and the platform's file after it
    auto* mine = reinterpret_cast<File*>(f);
    mine->real = reinterpret_cast<sqlite3_file*>(mine + 1);
    State& s = state();
    const int rc = s.real->xOpen(s.real, name, mine->real, flags, out_flags);
    if (mine->real->pMethods != nullptr && mine->real->pMethods->iVersion < 3) {
        (void)mine->real->pMethods->xClose(mine->real);  // the shim forwards version 3 calls
        mine->base.pMethods = nullptr;
        return SQLITE_CANTOPEN;
    }
    mine->base.pMethods = mine->real->pMethods != nullptr ? &methods : nullptr;
    return rc;
}

}  // namespace

FaultyVfs::FaultyVfs() {
    State& s = state();
    if (s.active) {
        throw std::logic_error("one FaultyVfs at a time");
    }
    s.real = ::sqlite3_vfs_find(nullptr);
    if (s.real == nullptr) {
        throw std::runtime_error("no default SQLite VFS");
    }
    s.shim = *s.real;  // the platform's calls, its pAppData and mxPathname
    s.shim.pNext = nullptr;
    s.shim.zName = "cassiopeia-faulty";
    s.shim.szOsFile = static_cast<int>(sizeof(File)) + s.real->szOsFile;
    s.shim.xOpen = x_open;
    s.write_rc = SQLITE_OK;
    s.sync_rc = SQLITE_OK;
    s.injected = 0;
    if (::sqlite3_vfs_register(&s.shim, 1) != SQLITE_OK) {
        throw std::runtime_error("sqlite3_vfs_register failed");
    }
    s.active = true;
}

FaultyVfs::~FaultyVfs() {
    State& s = state();
    (void)::sqlite3_vfs_unregister(&s.shim);
    (void)::sqlite3_vfs_register(s.real, 1);  // the platform's VFS is the default again
    s.active = false;
}

void FaultyVfs::fail_writes(int rc, int after) {
    state().write_rc = rc;
    state().writes_left = after;
}

void FaultyVfs::fail_syncs(int rc) {
    state().sync_rc = rc;
}

void FaultyVfs::heal() {
    state().write_rc = SQLITE_OK;
    state().writes_left = 0;
    state().sync_rc = SQLITE_OK;
}

int FaultyVfs::injected() const {
    return state().injected;
}

}  // namespace cassiopeia::test
