// Incident ids for `internal` refusals.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "incident.hpp"

#include <librecord/hex.hpp>

#include <array>
#include <cstdint>
#include <sys/random.h>

namespace cassiopeia::server {

std::string incident_id() {
    std::array<uint8_t, 4> raw{};
    if (::getrandom(raw.data(), raw.size(), 0) != static_cast<ssize_t>(raw.size())) {
        return "00000000";
    }
    return librecord::to_hex(raw);
}

}  // namespace cassiopeia::server
