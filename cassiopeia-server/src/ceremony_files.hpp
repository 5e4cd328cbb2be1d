// Files a ceremony writes (new-time-ca, resign): new files only, synced with their folder, so
// that nothing is overwritten and a crash right after the ceremony loses nothing
// (docs/key-ceremony.md). Copyright (c) 2026 the Cassiopeia authors.
// Licence: GPL-3.0-or-later.
#pragma once

#include <filesystem>
#include <string_view>
#include <sys/types.h>

namespace cassiopeia::server {

/**
 * Writes `data` to a new file `path` with `mode` (O_EXCL: never an existing one) and fsyncs it.
 * A file it could not write whole and sync (a full or failing disk) is removed again.
 * Throws cassiopeia::Error{config, what} on failure.
 */
void write_new_file(const std::filesystem::path& path,
                    std::string_view data,
                    mode_t mode,
                    const char* what);

/** fsync of a folder, so that a new entry in it survives a crash; Error{config, what}. */
void sync_folder(const std::filesystem::path& folder, const char* what);

}  // namespace cassiopeia::server
