// The signer's configuration: config file plus command-line overrides (docs/conventions.md §2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cassiopeia/common/startup.hpp>
#include <librecord/link.hpp>
#include <librecord/tls_engine.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace cassiopeia::server {

struct ServerConfig {
    std::string config_file;
    std::string user;   ///< drop to this user when started as root
    std::string group;  ///< and this group (default: the user's primary group)
    std::string repository;
    std::string log_config;
    std::string profiles;     ///< folder of <profile>.conf
    std::string ca_certs;     ///< folder of <time CA>.pem
    std::string ca_keys;      ///< folder of <time CA>.key (0600), or a token's pkcs11: URI
    std::string root_cert;    ///< new-time-ca only: the root certificate (PEM)
    std::string root_key;     ///< new-time-ca only: the root key (PEM, 0600, or a pkcs11: URI)
    std::string openpgp_key;  ///< armoured secret certifying key (0600); empty: no OpenPGP
    std::vector<std::string> lines;
    unsigned baud = 115200;
    librecord::tls::CredentialFiles tls;
    librecord::pkcs11::Settings pkcs11;  ///< how keys in tokens are reached (docs/hsm.md)
    std::string peer_name;
    librecord::LinkOptions link;
    std::chrono::seconds crl_lifetime{std::chrono::hours(24 * 7)};  ///< nextUpdate - thisUpdate
    std::chrono::seconds crl_resign{std::chrono::hours(24 * 3)};    ///< re-sign this long before
};

/** resign: --cert, --key or --issuer-cert/--issuer-key, --hash, the changes, --out. */
struct ResignRequest {
    std::string cert;
    std::string key;          ///< a self-signed root's own key (file or pkcs11: URI)
    std::string issuer_cert;  ///< or the issuer's certificate
    std::string issuer_key;   ///< and its key
    std::string hash;
    std::string serial;  ///< empty: kept
    std::vector<std::string> crl_urls;
    std::vector<std::string> ocsp_urls;
    std::string aki;  ///< empty: kept; `keyid`: reduced to the key identifier
    std::string out;
};

/** compare: the two certificates and the fields allowed to differ. */
struct CompareRequest {
    std::string old_cert;
    std::string new_cert;
    std::vector<std::string> allow;
};

/** What main() should do. */
struct Invocation {
    enum class Action { serve, check, audit_verify, new_time_ca, resign, compare };
    Action action = Action::serve;
    common::Early early = common::Early::none;  ///< --help or --version: only help_text is set
    ServerConfig config;
    std::string help_text;
    /** new-time-ca: --family, --from, --to, --key-type. */
    std::string family;
    std::string from;
    std::string to;
    std::string key_type = "rsa";
    ResignRequest resign;
    CompareRequest compare;
};

/**
 * Parses argv and the config file named by -c. Throws cassiopeia::Error{config} with a
 * message for the operator on any usage or configuration fault.
 */
[[nodiscard]] Invocation parse_invocation(int argc, const char* const* argv);

}  // namespace cassiopeia::server
