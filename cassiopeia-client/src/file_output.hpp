// Result files the client writes (--out, --log-out, CRL copies, the metrics file): replaced
// atomically and durably, never through a fixed temporary name (docs/conventions.md §6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <sys/types.h>

namespace cassiopeia::client {

/**
 * Replaces `target` with `data`: a new file with a unique name in the target's folder
 * (mkostemp, so nothing already there, a symlink included, is ever opened), written, given
 * `mode`, fsynced, renamed over `target` (a symlink at `target` is replaced, not followed), and
 * the folder fsynced, so the new content is durable when this returns.
 * Throws Error{io} naming the path and the failed call; the old file then stays as it was and
 * the temporary file is removed.
 */
void write_file_atomically(const std::filesystem::path& target,
                           std::span<const uint8_t> data,
                           mode_t mode = 0644);

}  // namespace cassiopeia::client
