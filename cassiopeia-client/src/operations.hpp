// The client's jobs on the line (sign, certify, revoke, fetch a CRL), shared by the one-shot
// commands and the queue daemon. Each runs inside Connection::converse, so a lost link session
// replays the whole job (docs/protocol.md §2, §6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"
#include "connection.hpp"
#include "crl/crl_store.hpp"
#include "ossl/openpgp.hpp"
#include "ossl/x509.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace cassiopeia::client {

/** How a job ended: done, refused by the signer, link failure, or a result that failed checks. */
struct JobEnd {
    enum class Kind { done, refused, link, verification, usage };
    Kind kind = Kind::done;
    std::optional<librecord::Refusal> refusal;
    std::string detail;  ///< for link, verification and usage failures

    [[nodiscard]] bool ok() const noexcept { return kind == Kind::done; }

    /** Exit status of docs/conventions.md §1. */
    [[nodiscard]] int exit_status() const noexcept;
};

/** Maps a request's Exchange: refused, link failure (or a payload too large to send), done. */
[[nodiscard]] JobEnd job_end(const Exchange& o);

/** A whole file's bytes; nullopt when it cannot be read. */
[[nodiscard]] std::optional<std::vector<uint8_t>> read_file(const std::filesystem::path& p);

/** Called with the signer's log before logSaved: the job must store it first (§5.2). */
using LogSink = std::function<void(std::span<const uint8_t> log)>;

struct SignInput {
    std::string request_id;        ///< `cli:N` or `webdb:N`
    std::vector<uint8_t> csr_der;  ///< or
    std::string spkac;             ///< base64, without `SPKAC=`
    std::string hash = "sha256";
    std::string profile;  ///< or
    std::string ocsp_ca;
    std::string from;
    std::string to;
    std::vector<std::string> sans;
    std::vector<std::string> avas;
    std::vector<std::string> proofs;
};

struct SignOutput {
    JobEnd end;
    std::vector<uint8_t> log;
    std::string ca;
    std::optional<ossl::CertificateSummary> certificate;
};

/** The commands of a sign request, setRequestId … sign, in the order docs/protocol.md §5.2 gives.
 */
[[nodiscard]] std::vector<Step> sign_steps(const SignInput& in);

/** The client's own `usage` failure when `steps` break a limit of docs/protocol.md §7. */
[[nodiscard]] std::optional<JobEnd> steps_over_limits(const std::vector<Step>& steps);

/**
 * What a sign request's replies to logSaved mean: the certificate, checked against the signing
 * CA's certificate in `ca_certs` and the requested key, or why the job did not end well.
 */
[[nodiscard]] SignOutput certificate_outcome(const ClientConfig& config,
                                             const SignInput& in,
                                             const Exchange& outcome,
                                             std::vector<uint8_t> log);

[[nodiscard]] SignOutput issue_certificate(Connection& conn,
                                           const SignInput& in,
                                           const LogSink& store_log);

struct PgpInput {
    std::string request_id;
    std::string armoured_key;
    std::string to;
    std::vector<std::string> proofs;
};

struct PgpOutput {
    JobEnd end;
    std::vector<uint8_t> log;
    std::string armoured;
    std::string certifier;
    std::optional<ossl::OpenPgpSummary> summary;
};

[[nodiscard]] PgpOutput certify_openpgp_key(Connection& conn,
                                            const PgpInput& in,
                                            const LogSink& store_log);

/** A CRL brought up to date in the client's store, and how. */
struct CrlOutput {
    JobEnd end;
    std::vector<uint8_t> der;  ///< the verified CRL now in the store
    int64_t crl_number = 0;
    std::vector<std::string> added;    ///< serials (§5.4 text) the delta added
    std::vector<std::string> dropped;  ///< serials the delta dropped
    std::string via;                   ///< "delta" or "full"
};

/** Revokes `serials` (`HEX` or `HEX,REASON`) of `ca` and updates the CRL copy (§5.6). */
[[nodiscard]] CrlOutput revoke_serials(Connection& conn,
                                       const ClientConfig& config,
                                       const std::string& ca,
                                       const std::vector<std::string>& serials);

/**
 * Stores `der` as the copy of `ca`'s CRL if it verifies with `ca_cert` and its cRLNumber is not
 * lower than the stored copy's (docs/protocol.md §5.6); otherwise a verification failure (exit
 * status 4) and the copy stays as it was. Throws Error{io} when the store cannot be written.
 */
[[nodiscard]] JobEnd store_verified_crl(const crl::CrlStore& store,
                                        std::span<const uint8_t> ca_cert,
                                        const std::string& ca,
                                        std::span<const uint8_t> der);

/** Fetches, verifies and stores the full CRL of `ca`. */
[[nodiscard]] CrlOutput fetch_full_crl(Connection& conn,
                                       const ClientConfig& config,
                                       const std::string& ca);

}  // namespace cassiopeia::client
