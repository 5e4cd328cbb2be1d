// Paths into the unit tests' PKI made by tests/ci/make-unit-pki.sh (ctest fixture test_pki).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/tls_engine.hpp>

#include <string>

namespace cassiopeia::test {

/** Names the link certificates carry (keys/make-test-pki). */
inline constexpr const char* link_server_name = "signer.cassiopeia.test";
inline constexpr const char* link_client_name = "client.cassiopeia.test";

/** The folder make-unit-pki.sh wrote: $CASS_TEST_PKI, else CASS_BINARY_DIR "/test-pki". */
[[nodiscard]] std::string test_pki_dir();

/**
 * Link credential files of one identity.
 * @param who "server", "client" or "client-wrongname" (real link CA only)
 * @param rogue take the identity (and the trusted CA) from the unrelated rogue CA instead
 * @return ca_file is the CA of the same PKI (link CA, or rogue CA when rogue is set)
 */
[[nodiscard]] librecord::tls::CredentialFiles link_files(const std::string& who,
                                                         bool rogue = false);

}  // namespace cassiopeia::test
