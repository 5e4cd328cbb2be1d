// Request ids (docs/protocol.md §5, §6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/request_id.hpp"

namespace librecord {

namespace {

bool valid_namespace(std::string_view ns) noexcept {
    if (ns.empty() || ns.size() > request_id_limits::max_namespace) {
        return false;
    }
    for (const char c : ns) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
            return false;
        }
    }
    return true;
}

bool valid_number(std::string_view number) noexcept {
    constexpr size_t max_digits = 19;  // max_number has 19 decimal digits
    if (number.empty() || number.size() > max_digits ||
        (number.size() > 1 && number.front() == '0')) {
        return false;
    }
    uint64_t v = 0;
    for (const char c : number) {
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + static_cast<unsigned>(c - '0');  // 19 digits fit in 64 bits
    }
    return v <= request_id_limits::max_number;
}

}  // namespace

bool valid_request_id(std::string_view id) noexcept {
    const auto colon = id.find(':');
    if (colon == std::string_view::npos) {
        return false;
    }
    return valid_namespace(id.substr(0, colon)) && valid_number(id.substr(colon + 1));
}

std::string make_request_id(std::string_view ns, uint64_t number) {
    std::string id{ns};
    id.push_back(':');
    id += std::to_string(number);
    return id;
}

}  // namespace librecord
