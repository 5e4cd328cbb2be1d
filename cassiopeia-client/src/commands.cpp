// The client's one-shot commands.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "commands.hpp"

#include "connection.hpp"
#include "crl/crl.hpp"
#include "daemon.hpp"
#include "file_output.hpp"
#include "logging.hpp"
#include "operations.hpp"
#include "ossl/x509.hpp"
#include "pq/pq.hpp"
#include "signer_check.hpp"
#include "status_report.hpp"
#include "webdb/migrator.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <librecord/errors.hpp>
#include <librecord/json.hpp>
#include <librecord/request_id.hpp>
#include <librecord/utc.hpp>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <unistd.h>

namespace cassiopeia::client {

namespace lr = librecord;
using librecord::json_string;

namespace {

std::string text_of(const lr::Message& m) {
    return {m.payload.begin(), m.payload.end()};
}

/** Writes `data` to `path` atomically and durably (file_output.hpp); false, said on `err`. */
bool write_file(const std::string& path, std::span<const uint8_t> data, std::ostream& err) {
    try {
        write_file_atomically(path, data);
        return true;
    } catch (const Error& e) {
        err << "cassiopeia-client: " << e.what() << '\n';
        return false;
    }
}

std::span<const uint8_t> bytes_view(std::string_view s) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): text as bytes
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

/**
 * What a rerun with the same request id needs (docs/protocol.md §6): the signer answers it
 * from its repository only when the request is byte for byte the same.
 */
constexpr std::string_view retry_terms =
    " and exactly the same arguments (the same CSR, SANs, AVAs, --from/--to and proof lines, "
    "byte for byte: a proof line with a new time is another request, refused with "
    "request_mismatch)";

int usage_error(std::ostream& err, const std::string& command, const std::string& why) {
    err << "cassiopeia-client: " << command << ": " << why << " (try --help)\n";
    return exit_code::usage;
}

/** Reports a job that did not end well on stderr; returns its exit status. */
int report(const JobEnd& end, const ClientConfig& config, std::ostream& err) {
    if (end.refusal) {
        err << "error " << end.refusal->payload() << '\n';
    } else if (end.kind == JobEnd::Kind::link) {
        err << "cassiopeia-client: link to the signer on " << config.line
            << " failed: " << end.detail << '\n';
    } else if (!end.ok()) {
        err << "cassiopeia-client: " << end.detail << '\n';
    }
    return end.exit_status();
}

/** Runs one request and maps its outcome to an exit status; calls `done` on success. */
template <class Done>
int run_request(const ClientConfig& config,
                const std::vector<Step>& steps,
                size_t replies,
                std::ostream& err,
                Done done) {
    Connection conn(config);
    conn.announce_waits(&err);
    const auto outcome = conn.request(steps, replies);
    conn.close();
    if (const auto end = job_end(outcome); !end.ok()) {
        return report(end, config, err);
    }
    return done(outcome.value());
}

int cmd_time(const Invocation& inv, std::ostream& out, std::ostream& err) {
    return run_request(
        inv.config,
        {{lr::Command::get_timestamp, {}}},
        1,
        err,
        [&](const std::vector<lr::Message>& replies) {
            const auto local =
                std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
            const auto& m = replies.front();
            const auto text = text_of(m);
            const auto signer = lr::parse_utc(text);
            if (m.command != static_cast<uint16_t>(lr::Reply::timestamp_response) || !signer) {
                err << "cassiopeia-client: unexpected reply to getTimestamp\n";
                return exit_code::failure;
            }
            out << text << ' ' << (*signer - local).count() << '\n';
            return exit_code::ok;
        });
}

/** Bound on each WebDB statement of a one-shot command, so `status` never hangs on a lock. */
constexpr std::chrono::seconds webdb_statement_timeout{30};

/**
 * `status`, after printing the report: stores its audit head in the WebDB, the anchor outside
 * the signer (webdb/audit_anchor.hpp). Exit 4 when the head does not extend the stored one,
 * 1 when there is no head or the WebDB fails.
 */
int anchor_status(const ClientConfig& config, std::span<const uint8_t> json, std::ostream& err) {
    const auto parsed = parse_status_report(json);
    if (!parsed.report || !parsed.report->audit) {
        err << "cassiopeia-client: the status report carries no audit head to anchor\n";
        return exit_code::failure;
    }
    try {
        auto db = pq::Connection::open(
            config.webdb_conninfo,
            std::chrono::duration_cast<std::chrono::seconds>(config.link.handshake_timeout));
        (void)db.exec(
            "SELECT set_config('statement_timeout', $1, false)",
            {pq::Param::integer(std::chrono::milliseconds{webdb_statement_timeout}.count())});
        Metrics metrics;
        const auto verdict = anchor_audit_head(db, *parsed.report, "status", metrics);
        if (verdict && !verdict->extends) {
            err << "cassiopeia-client: the signer's audit history was rewritten: head seq "
                << parsed.report->audit->seq << " does not extend the stored seq "
                << verdict->anchor->seq << " (" << metrics.audit_rewrites
                << " rewritten head(s) stored)\n";
            return exit_code::verification;
        }
        return exit_code::ok;
    } catch (const Error& e) {
        err << "cassiopeia-client: the audit head was not stored in the WebDB: " << e.what()
            << '\n';
        return exit_code::failure;
    }
}

int cmd_status(const Invocation& inv, std::ostream& out, std::ostream& err) {
    return run_request(
        inv.config,
        {{lr::Command::get_status_report, {}}},
        1,
        err,
        [&](const std::vector<lr::Message>& replies) {
            const auto& m = replies.front();
            const auto text = text_of(m);
            if (m.command != static_cast<uint16_t>(lr::Reply::status_report) || text.empty() ||
                text.front() != '{' || text.back() != '}') {
                err << "cassiopeia-client: unexpected reply to getStatusReport\n";
                return exit_code::failure;
            }
            // One line for pipes; indented for a terminal or --pretty.
            out << (inv.pretty || ::isatty(STDOUT_FILENO) == 1 ? indent_json(text) : text) << '\n';
            return anchor_status(inv.config, m.payload, err);
        });
}

/** `cli:N` from --request-id, or `cli:<random>` (docs/conventions.md §1). */
std::optional<std::string> cli_request_id(const std::string& given) {
    if (given.empty()) {
        return librecord::make_request_id(librecord::cli_namespace, ossl::random_request_number());
    }
    uint64_t n = 0;
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
    const auto* end = given.data() + given.size();
    const auto [p, ec] = std::from_chars(given.data(), end, n);
    if (ec != std::errc{} || p != end || n > 0x7FFFFFFFFFFFFFFFULL ||
        (given.size() > 1 && given.front() == '0')) {
        return std::nullopt;
    }
    return librecord::make_request_id(librecord::cli_namespace, n);
}

/** Stores the signer's log in --log-out (if given) before logSaved goes out. */
LogSink log_sink(const std::string& path) {
    return [path](std::span<const uint8_t> log) {
        if (!path.empty()) {
            write_file_atomically(path, log);  // fsynced: durable before logSaved goes out
        }
    };
}

std::string json_list(const std::vector<std::string>& items) {
    std::string out = "[";
    for (const auto& i : items) {
        out += (out.size() > 1 ? ", " : "") + json_string(i);
    }
    return out + "]";
}

int cmd_sign(const Invocation& inv, std::ostream& out, std::ostream& err) {
    const auto& o = inv.sign;
    if (o.csr.empty() == o.spkac.empty()) {
        return usage_error(err, "sign", "give one of --csr and --spkac");
    }
    if (o.profile.empty() == o.ocsp_ca.empty()) {
        return usage_error(err, "sign", "give one of --profile and --ocsp-ca");
    }
    if (o.out.empty()) {
        return usage_error(err, "sign", "--out is required");
    }
    SignInput in;
    const auto id = cli_request_id(o.request_id);
    if (!id) {
        return usage_error(err, "sign", "--request-id must be a decimal below 2^63");
    }
    in.request_id = *id;
    const auto& file = o.csr.empty() ? o.spkac : o.csr;
    const auto input = read_file(file);
    if (!input) {
        return usage_error(err, "sign", "cannot read " + file);
    }
    if (!o.csr.empty()) {
        // Protocol §5: the client sends DER, half the bytes of PEM on a slow line.
        auto der = ossl::csr_to_der(*input);
        if (!der) {
            return usage_error(err, "sign", file + " is neither a PEM nor a DER PKCS#10 request");
        }
        in.csr_der = std::move(*der);
    } else {
        auto text = ossl::spkac_from_file(*input);
        if (!text) {
            return usage_error(err, "sign", file + " holds no SPKAC");
        }
        in.spkac = std::move(*text);
    }
    in.hash = o.hash;
    in.profile = o.profile;
    in.ocsp_ca = o.ocsp_ca;
    in.from = o.from;
    in.to = o.to;
    in.sans = o.sans;
    in.avas = o.avas;
    in.proofs = o.proofs;  // limits are the signer's to judge (too_many, §5.8)

    Connection conn(inv.config);
    conn.announce_waits(&err);
    const auto result = issue_certificate(conn, in, log_sink(o.log_out));
    conn.close();
    if (result.end.kind == JobEnd::Kind::link || result.end.kind == JobEnd::Kind::verification) {
        // The signer may have signed (a certificate that failed its check, e.g. for want of
        // ca_certs, was): the same id gets the stored certificate, never a second.
        err << "cassiopeia-client: to retry, run again with --request-id "
            << in.request_id.substr(4) << retry_terms << '\n';
    }
    if (!result.end.ok()) {
        return report(result.end, inv.config, err);
    }
    const auto& cert = *result.certificate;
    if (!write_file(o.out, bytes_view(cert.pem), err)) {
        // Issued and committed on the signer: say how to get it again without a second one.
        err << "cassiopeia-client: cannot write " << o.out << "; serial " << cert.serial
            << " was issued: run again with --request-id " << in.request_id.substr(4) << retry_terms
            << '\n';
        return exit_code::usage;
    }
    out << "{\"serial\": " << json_string(cert.serial) << ", \"ca\": " << json_string(result.ca)
        << ", \"not_before\": " << json_string(cert.not_before)
        << ", \"not_after\": " << json_string(cert.not_after)
        << ", \"clamped\": " << (cert.clamped ? "true" : "false") << "}\n";
    return exit_code::ok;
}

int cmd_pgp(const Invocation& inv, std::ostream& out, std::ostream& err) {
    const auto& o = inv.sign;
    if (o.key.empty() || o.out.empty()) {
        return usage_error(err, "pgp", "--key and --out are required");
    }
    PgpInput in;
    const auto id = cli_request_id(o.request_id);
    if (!id) {
        return usage_error(err, "pgp", "--request-id must be a decimal below 2^63");
    }
    in.request_id = *id;
    const auto key = read_file(o.key);
    if (!key) {
        return usage_error(err, "pgp", "cannot read " + o.key);
    }
    in.armoured_key.assign(key->begin(), key->end());
    if (in.armoured_key.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") == std::string::npos) {
        return usage_error(err, "pgp", o.key + " is not an armoured OpenPGP public key");
    }
    in.to = o.to;
    in.proofs = o.proofs;
    Connection conn(inv.config);
    conn.announce_waits(&err);
    const auto result = certify_openpgp_key(conn, in, log_sink(o.log_out));
    conn.close();
    if (!result.end.ok()) {
        return report(result.end, inv.config, err);
    }
    if (!write_file(o.out, bytes_view(result.armoured), err)) {
        err << "cassiopeia-client: cannot write " << o.out
            << "; the key was certified: run again with --request-id " << in.request_id.substr(4)
            << '\n';
        return exit_code::usage;
    }
    out << "{\"fingerprint\": " << json_string(result.summary->fingerprint)
        << ", \"certified\": " << json_list(result.summary->uids) << "}\n";
    return exit_code::ok;
}

int cmd_revoke(const Invocation& inv, std::ostream& out, std::ostream& err) {
    const auto& o = inv.sign;
    if (o.ca.empty() || o.serials.empty()) {
        return usage_error(err, "revoke", "--ca and at least one --serial are required");
    }
    Connection conn(inv.config);
    conn.announce_waits(&err);
    const auto result = revoke_serials(conn, inv.config, o.ca, o.serials);
    conn.close();
    if (!result.end.ok()) {
        return report(result.end, inv.config, err);
    }
    out << "{\"ca\": " << json_string(o.ca) << ", \"crl_number\": " << result.crl_number
        << ", \"added\": " << json_list(result.added)
        << ", \"dropped\": " << json_list(result.dropped)
        << ", \"via\": " << json_string(result.via) << "}\n";
    return exit_code::ok;
}

int cmd_crl(const Invocation& inv, std::ostream& out, std::ostream& err) {
    const auto& o = inv.sign;
    if (o.ca.empty()) {
        return usage_error(err, "crl", "--ca is required");
    }
    Connection conn(inv.config);
    conn.announce_waits(&err);
    const auto result = fetch_full_crl(conn, inv.config, o.ca);
    conn.close();
    if (!result.end.ok()) {
        return report(result.end, inv.config, err);
    }
    if (!o.out.empty() && !write_file(o.out, result.der, err)) {
        return exit_code::failure;
    }
    out << "{\"ca\": " << json_string(o.ca) << ", \"crl_number\": " << result.crl_number
        << ", \"next_update\": " << json_string(crl::crl_next_update(result.der).value_or(""))
        << ", \"entries\": " << crl::crl_entries(result.der).value_or(0) << "}\n";
    return exit_code::ok;
}

int cmd_migrate(const Invocation& inv, std::ostream& out, std::ostream& err) {
    return run_migrate(inv.config.webdb_conninfo, out, err);
}

}  // namespace

namespace {

/** A command, the command options it takes, and what runs it (docs/conventions.md §1). */
struct CommandSpec {
    std::string_view name;
    std::vector<std::string_view> options;
    int (*run)(const Invocation&, std::ostream&, std::ostream&);
};

const std::vector<CommandSpec>& command_table() {
    static const std::vector<CommandSpec> table{
        {"time", {}, cmd_time},
        {"status", {"pretty"}, cmd_status},
        {"sign",
         {"csr",
          "spkac",
          "profile",
          "ocsp-ca",
          "san",
          "ava",
          "proof",
          "from",
          "to",
          "hash",
          "request-id",
          "out",
          "log-out"},
         cmd_sign},
        {"revoke", {"ca", "serial"}, cmd_revoke},
        {"crl", {"ca", "out"}, cmd_crl},
        {"pgp", {"key", "out", "proof", "to", "request-id", "log-out"}, cmd_pgp},
        {"migrate", {}, cmd_migrate},
        {"run", {"once"}, run_daemon},
    };
    return table;
}

}  // namespace

int run_command(const Invocation& inv, std::ostream& out, std::ostream& err) {
    const auto& table = command_table();
    const auto spec = std::find_if(
        table.begin(), table.end(), [&](const CommandSpec& c) { return c.name == inv.command; });
    if (spec == table.end()) {
        err << "cassiopeia-client: unknown command '" << inv.command << "' (try --help)\n";
        return exit_code::usage;
    }
    if (!inv.args.empty()) {
        err << "cassiopeia-client: " << inv.command << ": unexpected argument '" << inv.args.front()
            << "' (quote values that hold spaces)\n";
        return exit_code::usage;
    }
    for (const auto& given : inv.command_options) {
        if (std::find(spec->options.begin(), spec->options.end(), given) == spec->options.end()) {
            err << "cassiopeia-client: --" << given << " is not an option of " << inv.command
                << '\n';
            return exit_code::usage;
        }
    }
    return spec->run(inv, out, err);
}

}  // namespace cassiopeia::client
