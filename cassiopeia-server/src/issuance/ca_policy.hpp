// Which loaded CAs the line may use: no root, no CA of a local-only profile, never the link CA
// (docs/protocol.md §3, §5.2; docs/key-ceremony.md, "What the line may use").
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "issuance/ca_store.hpp"
#include "issuance/profile.hpp"
#include "issuance/request.hpp"
#include "util/signer_error.hpp"
#include "util/time_util.hpp"

#include <string>
#include <vector>

namespace cassiopeia::server {

/**
 * Withholds from the line every CA of `cas` that is self-issued or self-signed, has a pathLen
 * other than 0 (CaStore::add), belongs to the family of a local-only profile, or shares its
 * certificate, key or subject with the root (`root_cert`, when configured) or with a
 * certificate of the link CA file. Returns one line per fault: each withheld CA, and a link CA
 * that is the root; empty when there is none. `check` reports them, the daemon refuses to
 * start with any. Throws cassiopeia::Error{config} when a configured file cannot be read.
 */
[[nodiscard]] std::vector<std::string> apply_line_policy(CaStore& cas,
                                                         const ProfileSet& profiles,
                                                         const std::string& root_cert,
                                                         const std::string& link_ca_file);

/**
 * The issuing CA of a line request: the served OCSP target itself, or the newest served time
 * CA of the profile's family valid at `now`; unknown_ca otherwise (docs/protocol.md §5.8). Logs it.
 */
[[nodiscard]] Refusable<const TimeCa*> issuing_ca(const CaStore& cas,
                                                  const SignRequest& req,
                                                  const Profile& profile,
                                                  SysSeconds now,
                                                  std::vector<std::string>& log);

}  // namespace cassiopeia::server
