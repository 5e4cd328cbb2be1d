// A-label round trip through libidn2: the only file that includes <idn2.h> (docs/style.md §2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/idna.hpp"

#include <librecord/c_handle.hpp>

#include <idn2.h>

#include <cstdint>
#include <memory>
#include <string>

namespace cassiopeia::server {

namespace {

// A string libidn2 allocated (docs/style.md §4).
using Idn2String = std::unique_ptr<char, librecord::CFree<&::idn2_free>>;

bool valid_a_label(const std::string& label) {
    char* unicode_raw = nullptr;
    const int rc = ::idn2_to_unicode_8z8z(label.c_str(), &unicode_raw, 0);
    const Idn2String unicode{unicode_raw};
    if (rc != IDN2_OK || !unicode) {
        return false;
    }
    // IDNA 2008 proper, no UTS #46 mapping: the U-label must already be valid as it is.
    char* ascii_raw = nullptr;
    // reinterpret_cast: libidn2 takes UTF-8 as uint8_t; the bytes are the same.
    const int rc2 = ::idn2_lookup_u8(reinterpret_cast<const uint8_t*>(unicode.get()),
                                     reinterpret_cast<uint8_t**>(&ascii_raw),
                                     IDN2_NO_TR46);
    const Idn2String ascii{ascii_raw};
    return rc2 == IDN2_OK && ascii && label == ascii.get();
}

}  // namespace

bool valid_a_labels(std::string_view name) {
    while (!name.empty()) {
        const size_t dot = name.find('.');
        const std::string_view label = name.substr(0, dot);
        if (label.substr(0, 4) == "xn--" && !valid_a_label(std::string{label})) {
            return false;
        }
        if (dot == std::string_view::npos) {
            break;
        }
        name.remove_prefix(dot + 1);
    }
    return true;
}

}  // namespace cassiopeia::server
