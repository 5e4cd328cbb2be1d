// Fuzz target of the signer's profile parser (docs/profiles.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
//
// Target functions: cassiopeia::server::parse_profile.
// The input is the text of one profile file. A refusal is a cassiopeia::Error of kind config;
// any other escaping exception aborts.
#include "issuance/profile.hpp"

#include <librecord/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        // reinterpret_cast: the profile is text; view the bytes as characters.
        std::istringstream in{std::string{reinterpret_cast<const char*>(data), size}};
        const auto profile = cassiopeia::server::parse_profile(in, "fuzz");
        if (profile.name != "fuzz" || profile.hashes.empty() || profile.key_usage.empty()) {
            std::abort();
        }
    } catch (const cassiopeia::Error& e) {
        if (e.kind() != cassiopeia::ErrorKind::config) {
            std::abort();
        }
    } catch (const std::exception&) {
        std::abort();
    }
    return 0;
}
