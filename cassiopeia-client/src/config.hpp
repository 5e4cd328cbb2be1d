// The client's configuration and command line (docs/conventions.md §1).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cassiopeia/common/startup.hpp>
#include <librecord/link.hpp>
#include <librecord/tls_engine.hpp>

#include <string>
#include <vector>

namespace cassiopeia::client {

struct ClientConfig {
    std::string config_file;
    std::string line;
    unsigned baud = 115200;
    std::string log_config;
    std::string crl_dir;
    std::string ca_certs;        ///< issuing CA certificates, to verify CRLs
    std::string webdb_conninfo;  ///< libpq conninfo; empty: the PG* environment
    librecord::tls::CredentialFiles tls;
    librecord::pkcs11::Settings pkcs11;  ///< how a link key in a token is reached (docs/hsm.md)
    std::string peer_name;
    librecord::LinkOptions link;
    std::chrono::seconds idle{300};

    /** The queue daemon (`run`, docs/conventions.md §6). */
    struct Run {
        int max_attempts = 5;
        std::chrono::seconds lease{300};
        std::chrono::seconds poll{30};
        std::chrono::seconds retry{30};
        std::chrono::seconds max_skew{300};
        std::chrono::seconds status{600};
        std::string metrics_file;
        std::string worker;
        /// Certificate requests in flight at once (docs/protocol.md §5.1); 1 is sequential.
        unsigned window = 8;
    } run;

    /** OCSP responder certificates the queue daemon renews (sql/README.md). */
    struct Ocsp {
        std::vector<std::string> responders;        ///< the time CAs whose responder certificate
        std::chrono::seconds renew_before{864000};  ///< queue a renewal this long before expiry
    } ocsp;
};

/** Options of the commands that take some (docs/conventions.md §1). */
struct SignOptions {
    std::string csr;    ///< PKCS#10 file, PEM or DER
    std::string spkac;  ///< SPKAC file (with or without the `SPKAC=` prefix)
    std::string profile;
    std::string ocsp_ca;  ///< ocspTargetCA instead of a profile
    std::vector<std::string> sans;
    std::vector<std::string> avas;
    std::vector<std::string> proofs;
    std::string from;
    std::string to;
    std::string hash = "sha256";
    std::string request_id;            ///< decimal; random when empty
    std::string out;                   ///< certificate, PEM
    std::string log_out;               ///< the signer's log
    std::string ca;                    ///< revoke, crl
    std::vector<std::string> serials;  ///< revoke: HEX or HEX,REASON
    std::string key;                   ///< pgp
};

struct Invocation {
    common::Early early = common::Early::none;  ///< --help or --version: only help_text is set
    std::string command;                        ///< time, status, ...
    std::vector<std::string> args;              ///< positional words after the command
    std::vector<std::string> command_options;   ///< names of command options given
    SignOptions sign;
    bool once = false;    ///< run --once
    bool pretty = false;  ///< status --pretty
    ClientConfig config;
    std::string help_text;
};

/** Parses argv and the config file. Throws cassiopeia::Error{config} on any fault. */
[[nodiscard]] Invocation parse_invocation(int argc, const char* const* argv);

}  // namespace cassiopeia::client
