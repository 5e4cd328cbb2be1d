// The CRL reason names docs/protocol.md §5.6 allows.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "crl/crl_types.hpp"

#include <array>
#include <utility>

namespace cassiopeia::server {

std::optional<int> crl_reason_code(std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, int>, 5> reasons{{
        {"keyCompromise", 1},
        {"affiliationChanged", 3},
        {"superseded", 4},
        {"cessationOfOperation", 5},
        {"privilegeWithdrawn", 9},
    }};
    for (const auto& [n, code] : reasons) {
        if (n == name) {
            return code;
        }
    }
    return std::nullopt;
}

}  // namespace cassiopeia::server
