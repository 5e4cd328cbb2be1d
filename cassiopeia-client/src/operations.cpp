// The client's jobs on the line, shared by the one-shot commands and the queue daemon.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "operations.hpp"

#include "crl/crl.hpp"
#include "crl/crl_store.hpp"
#include "logging.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <cassiopeia/common/test_point.hpp>
#include <librecord/errors.hpp>
#include <librecord/limits.hpp>
#include <librecord/revoked_delta.hpp>
#include <librecord/serial_text.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <variant>

namespace cassiopeia::client {

namespace lr = librecord;

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.client.jobs");
    return l;
}

std::vector<uint8_t> bytes_of(std::string_view s) {
    return {s.begin(), s.end()};
}

std::string text_of(const std::vector<uint8_t>& b) {
    return {b.begin(), b.end()};
}

}  // namespace

JobEnd job_end(const Exchange& o) {
    JobEnd e;
    const auto link_error = link_error_of(o);
    if (const auto* refusal = refusal_of(o)) {
        e.kind = JobEnd::Kind::refused;
        e.refusal = *refusal;
    } else if (link_error == lr::Errc::payload_too_large) {
        e.kind = JobEnd::Kind::usage;  // never sent: the records cannot carry it (§7)
        e.detail = "a command's payload exceeds the 65,536 bytes of docs/protocol.md §7";
    } else if (link_error) {
        e.kind = JobEnd::Kind::link;
        // The OS's reason (generic category) comes only from opening the line.
        e.detail =
            (link_error.category() == std::generic_category() ? "cannot open the line: " : "") +
            link_error.message();
    }
    return e;
}

namespace {

JobEnd failed_check(std::string detail) {
    JobEnd e;
    e.kind = JobEnd::Kind::verification;
    e.detail = std::move(detail);
    return e;
}

JobEnd usage_fault(std::string detail) {
    JobEnd e;
    e.kind = JobEnd::Kind::usage;
    e.detail = std::move(detail);
    return e;
}

/** A reply of the wrong kind: the signer broke the record protocol. */
Exchange protocol_failure() {
    return Exchange{RequestFailure{make_error_code(lr::Errc::protocol)}};
}

}  // namespace

std::optional<JobEnd> steps_over_limits(const std::vector<Step>& steps) {
    size_t sans = 0;
    size_t avas = 0;
    size_t proofs = 0;
    size_t serials = 0;
    for (const auto& s : steps) {
        if (s.payload.size() > lr::limits::max_request_payload) {
            return usage_fault(
                "a command's payload exceeds the 65,536 bytes of docs/protocol.md §7");
        }
        sans += s.command == lr::Command::add_san ? 1 : 0;
        avas += s.command == lr::Command::add_ava ? 1 : 0;
        proofs += s.command == lr::Command::add_proof_line ? 1 : 0;
        serials += s.command == lr::Command::add_serial ? 1 : 0;
    }
    const auto over = [](size_t n, size_t max, const char* what) {
        return usage_fault("too many " + std::string(what) + ": " + std::to_string(n) +
                           ", docs/protocol.md §7 allows " + std::to_string(max));
    };
    if (sans > lr::limits::max_sans) {
        return over(sans, lr::limits::max_sans, "SANs");
    }
    if (avas > lr::limits::max_avas) {
        return over(avas, lr::limits::max_avas, "AVAs");
    }
    if (proofs > lr::limits::max_proof_lines) {
        return over(proofs, lr::limits::max_proof_lines, "proof lines");
    }
    if (serials > lr::limits::max_serials) {
        return over(serials, lr::limits::max_serials, "serials");
    }
    return std::nullopt;
}

namespace {

/**
 * The certificate of the CA the signer named in `signingCA`, `<ca_certs>/<ca>.pem`, or why there
 * is none: an answer that cannot be checked is not accepted (exit status 4, retried by `run`).
 */
std::variant<std::vector<uint8_t>, JobEnd> signing_ca_cert(const ClientConfig& config,
                                                           const std::string& ca) {
    if (!crl::CrlStore::valid_ca_name(ca)) {
        return failed_check("the signer named a signing CA that is not a CA name");
    }
    if (config.ca_certs.empty()) {
        return failed_check("ca_certs is not configured: cannot check the certificate's issuer");
    }
    const auto file = std::filesystem::path(config.ca_certs) / (ca + ".pem");
    auto cert = read_file(file);
    if (!cert) {
        return failed_check("no certificate " + file.string() + " to check the issuer " + ca);
    }
    return std::move(*cert);
}

/**
 * sign -> setLog; store the log; logSaved -> two replies (§5.2, §5.5). Runs in converse(), so a
 * session lost in between replays the whole request and the signer answers from its repository.
 */
Exchange sign_and_release(Connection& conn,
                          const std::vector<Step>& steps,
                          std::vector<uint8_t>& log_out,
                          const LogSink& store_log) {
    return conn.converse([&](Connection& c) {
        auto signed_reply = c.call(steps, 1);
        if (!signed_reply) {
            return signed_reply;
        }
        if (!is_reply(signed_reply->front(), lr::Reply::set_log)) {
            return protocol_failure();
        }
        log_out = signed_reply->front().payload;
        common::test_point("setlog_arrived");
        if (store_log) {
            store_log(log_out);
        }
        // On the session that holds the signed result, or the whole request again (§5.1).
        auto released =
            c.call_in_session({{lr::Command::log_saved, bytes_of(ossl::sha256_hex(log_out))}}, 2);
        if (released) {
            common::test_point("respond_arrived");
        }
        return released;
    });
}

}  // namespace

std::optional<std::vector<uint8_t>> read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        return std::nullopt;
    }
    return std::vector<uint8_t>{std::istreambuf_iterator<char>(in), {}};
}

int JobEnd::exit_status() const noexcept {
    switch (kind) {
        case Kind::done:
            return exit_code::ok;
        case Kind::refused:
            return exit_code::signer_error;
        case Kind::link:
            return exit_code::failure;
        case Kind::verification:
            return exit_code::verification;
        case Kind::usage:
            return exit_code::usage;
    }
    return exit_code::failure;
}

std::vector<Step> sign_steps(const SignInput& in) {
    std::vector<Step> steps{{lr::Command::set_request_id, bytes_of(in.request_id)}};
    if (!in.csr_der.empty()) {
        steps.push_back({lr::Command::set_csr, in.csr_der});
    } else {
        steps.push_back({lr::Command::set_spkac, bytes_of(in.spkac)});
    }
    steps.push_back({lr::Command::set_signature_type, bytes_of(in.hash)});
    if (!in.ocsp_ca.empty()) {
        steps.push_back({lr::Command::ocsp_target_ca, bytes_of(in.ocsp_ca)});
    } else {
        steps.push_back({lr::Command::set_profile, bytes_of(in.profile)});
    }
    if (!in.from.empty()) {
        steps.push_back({lr::Command::wish_from, bytes_of(in.from)});
    }
    if (!in.to.empty()) {
        steps.push_back({lr::Command::wish_to, bytes_of(in.to)});
    }
    for (const auto& v : in.sans) {
        steps.push_back({lr::Command::add_san, bytes_of(v)});
    }
    for (const auto& v : in.avas) {
        steps.push_back({lr::Command::add_ava, bytes_of(v)});
    }
    for (const auto& v : in.proofs) {
        steps.push_back({lr::Command::add_proof_line, bytes_of(v)});
    }
    steps.push_back({lr::Command::sign, {}});
    return steps;
}

SignOutput certificate_outcome(const ClientConfig& config,
                               const SignInput& in,
                               const Exchange& outcome,
                               std::vector<uint8_t> log) {
    SignOutput out;
    out.log = std::move(log);
    out.end = job_end(outcome);
    if (!out.end.ok()) {
        return out;
    }
    if (outcome->size() != 2) {
        out.end = failed_check("unexpected reply to logSaved");
        return out;
    }
    const auto& cert = outcome->at(0);
    const auto& ca = outcome->at(1);
    if (!is_reply(cert, lr::Reply::respond_certificate) || !is_reply(ca, lr::Reply::signing_ca)) {
        out.end = failed_check("unexpected reply to logSaved");
        return out;
    }
    out.ca = text_of(ca.payload);
    auto issuer = signing_ca_cert(config, out.ca);
    if (auto* fault = std::get_if<JobEnd>(&issuer)) {
        out.end = std::move(*fault);
        return out;
    }
    out.certificate = ossl::check_certificate(
        cert.payload, in.csr_der, in.spkac, std::get<std::vector<uint8_t>>(issuer));
    if (!out.certificate) {
        out.end = failed_check("the certificate is not issued by " + out.ca +
                               " or does not certify the requested key");
    }
    return out;
}

SignOutput issue_certificate(Connection& conn, const SignInput& in, const LogSink& store_log) {
    const auto steps = sign_steps(in);
    if (auto fault = steps_over_limits(steps)) {
        SignOutput out;
        out.end = std::move(*fault);
        return out;
    }
    std::vector<uint8_t> log;
    const auto outcome = sign_and_release(conn, steps, log, store_log);
    return certificate_outcome(conn.config(), in, outcome, std::move(log));
}

PgpOutput certify_openpgp_key(Connection& conn, const PgpInput& in, const LogSink& store_log) {
    std::vector<Step> steps{{lr::Command::set_request_id, bytes_of(in.request_id)},
                            {lr::Command::set_openpgp_key, bytes_of(in.armoured_key)},
                            {lr::Command::set_profile, bytes_of("openpgp")}};
    if (!in.to.empty()) {
        steps.push_back({lr::Command::wish_to, bytes_of(in.to)});
    }
    for (const auto& v : in.proofs) {
        steps.push_back({lr::Command::add_proof_line, bytes_of(v)});
    }
    steps.push_back({lr::Command::sign, {}});

    PgpOutput out;
    if (auto fault = steps_over_limits(steps)) {
        out.end = std::move(*fault);
        return out;
    }
    const auto outcome = sign_and_release(conn, steps, out.log, store_log);
    out.end = job_end(outcome);
    if (!out.end.ok()) {
        return out;
    }
    const auto& key = outcome->at(0);
    const auto& certifier = outcome->at(1);
    if (!is_reply(key, lr::Reply::respond_certificate) ||
        !is_reply(certifier, lr::Reply::signing_ca)) {
        out.end = failed_check("unexpected reply to logSaved");
        return out;
    }
    out.armoured = text_of(key.payload);
    out.certifier = text_of(certifier.payload);
    out.summary = ossl::summarize_openpgp_key(out.armoured);
    if (!out.summary) {
        out.end = failed_check("the signer's answer is not an armoured OpenPGP public key");
    }
    return out;
}

namespace {

/**
 * The store and the CA certificate that CRLs of `ca` must verify with. The certificate is
 * looked up only after the signer answered, so that an unknown CA is the signer's to refuse
 * (`unknown_ca`, exit status 3); a missing certificate for a CA the signer knows is a
 * configuration fault (exit status 2).
 */
struct CrlContext {
    std::optional<crl::CrlStore> store;
    std::filesystem::path ca_cert_file;
    std::optional<JobEnd> fault;

    [[nodiscard]] std::optional<std::vector<uint8_t>> ca_cert() const {
        return read_file(ca_cert_file);
    }
};

CrlContext crl_context(const ClientConfig& config, const std::string& ca) {
    CrlContext ctx;
    if (!crl::CrlStore::valid_ca_name(ca)) {
        ctx.fault = usage_fault("'" + ca + "' is not a CA name");
        return ctx;
    }
    if (config.crl_dir.empty() || config.ca_certs.empty()) {
        ctx.fault = usage_fault("crl_dir and ca_certs must be configured");
        return ctx;
    }
    ctx.ca_cert_file = std::filesystem::path(config.ca_certs) / (ca + ".pem");
    ctx.store.emplace(config.crl_dir);
    return ctx;
}

/** Finishes a CRL job: verified and not older than the copy -> stored (§5.6). */
void settle(CrlOutput& out, const CrlContext& ctx, const std::string& ca) {
    const auto cert = ctx.ca_cert();
    if (!cert) {
        out.end = usage_fault("no certificate " + ctx.ca_cert_file.string() +
                              " to verify the CRL of " + ca + " with");
        out.der.clear();
        return;
    }
    out.end = store_verified_crl(*ctx.store, *cert, ca, out.der);
    if (!out.end.ok()) {
        out.der.clear();
        return;
    }
    out.crl_number = crl::crl_number(out.der).value_or(0);
}

}  // namespace

JobEnd store_verified_crl(const crl::CrlStore& store,
                          std::span<const uint8_t> ca_cert,
                          const std::string& ca,
                          std::span<const uint8_t> der) {
    if (!crl::verify_crl(der, ca_cert)) {
        return failed_check("the CRL of " + ca + " does not verify with its CA certificate");
    }
    const auto number = crl::crl_number(der);
    if (!number) {
        return failed_check("the CRL of " + ca + " carries no readable cRLNumber");
    }
    // A CRL older than the copy (a replayed or rolled-back answer) would bring revoked
    // certificates back to life for every reader of the copy.
    if (const auto copy = store.read(ca)) {
        if (const auto held = crl::crl_number(*copy); held && *number < *held) {
            return failed_check("the CRL of " + ca + " is number " + std::to_string(*number) +
                                ", older than the copy's " + std::to_string(*held));
        }
    }
    store.write(ca, der);  // only after it verifies
    return JobEnd{};
}

namespace {

/**
 * Applies the signer's delta to the copy of `ca` (§5.6) into `out`: true when `out.der` holds
 * the verified CRL n, false when the full CRL is needed. Sets `out.added` and `out.dropped` to
 * what this revoke changed: nothing when the copy already is CRL n (§8.6).
 */
bool take_delta(const CrlContext& ctx,
                const std::string& ca,
                const lr::crl::RevokedDelta& delta,
                CrlOutput& out) {
    for (const auto& e : delta.added) {
        out.added.push_back(librecord::format_serial(e.serial));
    }
    for (const auto& d : delta.dropped) {
        out.dropped.push_back(librecord::format_serial(d));
    }
    const auto copy = ctx.store->read(ca);
    if (!copy) {
        LOG4CPLUS_INFO(log(), "no CRL copy of " << ca << " yet: fetching it whole");
        return false;
    }
    const auto cert = ctx.ca_cert();
    const auto number = crl::crl_number(*copy);
    if (cert && number && *number == delta.crl_number - 1) {
        auto rebuilt = crl::apply_delta(*copy, delta);
        if (rebuilt && crl::verify_crl(*rebuilt, *cert)) {
            out.der = std::move(*rebuilt);
            out.via = "delta";
            return true;
        }
    } else if (cert && number && *number == delta.crl_number && crl::matches_delta(*copy, delta) &&
               crl::verify_crl(*copy, *cert)) {
        // A revoke that changed nothing answers the delta of the CRL the copy holds.
        out.added.clear();
        out.dropped.clear();
        out.der = *copy;
        out.via = "delta";
        return true;
    }
    LOG4CPLUS_WARN(log(), "CRL copy of " << ca << " cannot take the delta: fetching it whole");
    return false;
}

}  // namespace

CrlOutput revoke_serials(Connection& conn,
                         const ClientConfig& config,
                         const std::string& ca,
                         const std::vector<std::string>& serials) {
    CrlOutput out;
    const auto ctx = crl_context(config, ca);
    if (ctx.fault) {
        out.end = *ctx.fault;
        return out;
    }
    std::vector<Step> steps;
    steps.reserve(serials.size() + 1);
    for (const auto& s : serials) {
        steps.push_back({lr::Command::add_serial, bytes_of(s)});
    }
    steps.push_back({lr::Command::revoke, bytes_of(ca)});
    if (auto fault = steps_over_limits(steps)) {
        out.end = std::move(*fault);
        return out;
    }

    bool wrong_reply = false;
    const auto outcome = conn.converse([&](Connection& c) {
        wrong_reply = false;
        out.added.clear();
        out.dropped.clear();
        auto revoked = c.call(steps, 1);
        if (!revoked) {
            return revoked;
        }
        if (!is_reply(revoked->front(), lr::Reply::revoked)) {
            return protocol_failure();
        }
        // §5.6: apply the delta to copy n-1, or accept copy n with the same signature;
        // anything else, or a result that does not verify, takes the full CRL.
        const auto delta = lr::crl::decode(revoked->front().payload);
        if (delta && take_delta(ctx, ca, *delta, out)) {
            return revoked;
        }
        auto full = c.call({{lr::Command::get_full_crl, bytes_of(ca)}}, 1);
        if (full) {
            // Only the full CRL answers getFullCRL; anything else is never taken for a CRL.
            wrong_reply = !is_reply(full->front(), lr::Reply::full_crl);
            out.der = wrong_reply ? std::vector<uint8_t>{} : full->front().payload;
            out.via = "full";
        }
        return full;
    });
    out.end = job_end(outcome);
    if (out.end.ok() && wrong_reply) {
        out.end = failed_check("unexpected reply to getFullCRL");
    } else if (out.end.ok()) {
        settle(out, ctx, ca);
    }
    return out;
}

CrlOutput fetch_full_crl(Connection& conn, const ClientConfig& config, const std::string& ca) {
    CrlOutput out;
    const auto ctx = crl_context(config, ca);
    if (ctx.fault) {
        out.end = *ctx.fault;
        return out;
    }
    const auto outcome = conn.request({{lr::Command::get_full_crl, bytes_of(ca)}}, 1);
    out.end = job_end(outcome);
    if (!out.end.ok()) {
        return out;
    }
    if (!is_reply(outcome->front(), lr::Reply::full_crl)) {
        out.end = failed_check("unexpected reply to getFullCRL");
        return out;
    }
    out.der = outcome->front().payload;
    out.via = "full";
    settle(out, ctx, ca);
    return out;
}

}  // namespace cassiopeia::client
