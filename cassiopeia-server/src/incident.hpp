// Incident ids shared by an `internal` refusal and its log line (docs/protocol.md §8.3).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <string>

namespace cassiopeia::server {

/** Eight random hex digits; "00000000" when the kernel gives no randomness. */
[[nodiscard]] std::string incident_id();

}  // namespace cassiopeia::server
