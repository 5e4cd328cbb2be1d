// Signer least privilege: no core dumps, key file modes, dropping root (docs/conventions.md §2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <string>

namespace cassiopeia::server {

/** No core dumps, not ptrace-attachable by the same user, umask 077. */
void harden_process();

/** Throws Error{config} when `path` is missing or readable by group or others. */
void check_key_file_mode(const std::string& path);

/**
 * As root: setgroups, setgid, setuid to `user`/`group`, then checks root cannot be regained.
 * Throws Error{config} as root with no user. Not root: nothing to drop.
 */
void drop_privileges(const std::string& user, const std::string& group);

}  // namespace cassiopeia::server
