// Paths into the unit tests' PKI made by tests/ci/make-unit-pki.sh (ctest fixture test_pki).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "test_pki.hpp"

#include <cstdlib>
#include <string>

namespace cassiopeia::test {

std::string test_pki_dir() {
    const char* env = std::getenv("CASS_TEST_PKI");
    if (env != nullptr && *env != '\0') {
        return env;
    }
    return CASS_BINARY_DIR "/test-pki";
}

librecord::tls::CredentialFiles link_files(const std::string& who, bool rogue) {
    const std::string dir = test_pki_dir() + (rogue ? "/rogue/" : "/pki/link/");
    return {dir + "ca.pem", dir + who + ".pem", dir + who + ".key"};
}

}  // namespace cassiopeia::test
