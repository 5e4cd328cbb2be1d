// The client's configuration and command line.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "config.hpp"

#include <cassiopeia/common/options.hpp>
#include <librecord/errors.hpp>
#include <librecord/limits.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <cctype>

namespace cassiopeia::client {

namespace po = boost::program_options;
using common::config_error;
using common::require_setting;

namespace {

/** Durations as given in seconds, checked and converted once everything is parsed. */
struct Seconds {
    unsigned handshake = 60;
    unsigned io = 30;
    unsigned idle = 300;
    unsigned lease = 300;
    unsigned poll = 30;
    unsigned retry = 30;
    unsigned skew = 300;
    unsigned status = 600;
    unsigned ocsp_renew_before = 864000;
};

void add_run_options(po::options_description& conf, ClientConfig& c, Seconds& s) {
    conf.add_options()("run.max_attempts",
                       po::value(&c.run.max_attempts)->default_value(5),
                       "attempts before a job that keeps failing is set failed")(
        "run.lease_s", po::value(&s.lease)->default_value(300), "a running job's lease, seconds")(
        "run.poll_s", po::value(&s.poll)->default_value(30), "poll the queue this often, seconds")(
        "run.retry_s", po::value(&s.retry)->default_value(30), "first retry delay (doubles)")(
        "run.max_skew_s",
        po::value(&s.skew)->default_value(300),
        "refuse to work when the signer's clock is further off, seconds")(
        "run.status_s",
        po::value(&s.status)->default_value(600),
        "ask the status report and refresh CRLs this often, seconds")(
        "run.metrics_file", po::value(&c.run.metrics_file), "Prometheus text file to rewrite")(
        "run.worker", po::value(&c.run.worker), "worker name in the queue (default host:line)")(
        "run.window",
        po::value(&c.run.window)->default_value(c.run.window),
        "certificate requests in flight at once, 1 (sequential) to 8 (docs/protocol.md §5.1)")(
        "ocsp.responder",
        po::value(&c.ocsp.responders)->composing(),
        "a time CA whose OCSP responder certificate run renews (repeatable)")(
        "ocsp.renew_before_s",
        po::value(&s.ocsp_renew_before)->default_value(s.ocsp_renew_before),
        "queue the renewal this many seconds before the certificate expires");
}

void add_link_options(po::options_description& conf, ClientConfig& c, Seconds& s) {
    conf.add_options()("webdb.conninfo",
                       po::value(&c.webdb_conninfo),
                       "libpq connection string of the WebDB (empty: PGHOST, PGPORT... from the "
                       "environment)")(
        "tls.ca", po::value(&c.tls.ca_file), "link CA certificate (PEM)")(
        "tls.cert", po::value(&c.tls.cert_file), "the client's link certificate (PEM)")(
        "tls.key",
        po::value(&c.tls.key_file),
        "the client's link key (PEM, mode 0600, or a pkcs11: URI)")(
        "tls.peer_name", po::value(&c.peer_name), "dNSName the signer's certificate must carry")(
        "deadline.handshake_s",
        po::value(&s.handshake)->default_value(60),
        "HELLO to TLS established, seconds")(
        "deadline.io_s", po::value(&s.io)->default_value(30), "each read and write, seconds")(
        "deadline.idle_s",
        po::value(&s.idle)->default_value(300),
        "close an idle session after this many seconds");
    common::add_pkcs11_options(conf, c.pkcs11);
}

po::options_description config_options(ClientConfig& c, Seconds& s) {
    po::options_description conf("Configuration (file or command line)");
    conf.add_options()("line", po::value(&c.line), "serial line or pty to the signer")(
        "baud", po::value(&c.baud)->default_value(115200), "baud rate of a serial line")(
        "log_config", po::value(&c.log_config), "log4cplus properties file")(
        "crl_dir", po::value(&c.crl_dir), "folder of the verified CRL copies")(
        "ca_certs", po::value(&c.ca_certs), "folder of the issuing CA certificates (<name>.pem)");
    add_run_options(conf, c, s);
    add_link_options(conf, c, s);
    return conf;
}

po::options_description command_options(Invocation& inv) {
    auto& so = inv.sign;
    po::options_description sign("Options of sign, revoke, crl and pgp");
    sign.add_options()("csr", po::value(&so.csr), "PKCS#10 request file (PEM or DER)")(
        "spkac", po::value(&so.spkac), "SPKAC request file")(
        "profile", po::value(&so.profile), "profile name (client, server, ...)")(
        "ocsp-ca", po::value(&so.ocsp_ca), "OCSP responder certificate for this time CA")(
        "san", po::value(&so.sans)->composing(), "TYPE,VALUE: DNS,name or email,address")(
        "ava", po::value(&so.avas)->composing(), "ATTR,VALUE subject attribute (CN,Name)")(
        "proof",
        po::value(&so.proofs)->composing(),
        "TIME,TABLE,ID,COLUMN=VALUE[,COLUMN=VALUE...]: the WebDB row that proves a SAN, AVA "
        "or user ID (repeatable). TIME: the UTC time of its verification, "
        "YYYY-MM-DDTHH:MM:SSZ; TABLE: emails, domains, organisations or names; ID: the row's "
        "primary key, a decimal bigint; a % , or = in a value written %25 %2C %3D "
        "(docs/protocol.md §5.3). E.g. 2026-11-25T10:00:00Z,domains,17,name=www.example.org")(
        "from", po::value(&so.from), "notBefore: now or YYYY-MM-DDTHH:MM:SSZ")(
        "to", po::value(&so.to), "notAfter: YYYY-MM-DDTHH:MM:SSZ or <n>d, <n>m, <n>y")(
        "hash", po::value(&so.hash)->default_value("sha256"), "sha256, sha384 or sha512")(
        "request-id", po::value(&so.request_id), "decimal id, sent as cli:N (random if absent)")(
        "out", po::value(&so.out), "sign, pgp: write the result here; crl: one more DER copy")(
        "log-out", po::value(&so.log_out), "write the signer's log here")(
        "ca", po::value(&so.ca), "revoke, crl: the CA's name")(
        "serial", po::value(&so.serials)->composing(), "revoke: HEX or HEX,REASON (repeatable)")(
        "key", po::value(&so.key), "pgp: the armoured OpenPGP public key to certify");
    po::options_description status("Options of status");
    status.add_options()("pretty",
                         po::bool_switch(&inv.pretty),
                         "indent the JSON (the default when stdout is a terminal)");
    po::options_description run("Options of run");
    run.add_options()(
        "once", po::bool_switch(&inv.once), "work the queue until it is empty, then exit");
    po::options_description all;
    all.add(sign).add(status).add(run);
    return all;
}

constexpr std::string_view commands_help =
    "  time     print the signer's UTC time and its offset from local time (s)\n"
    "  status   print the signer's status report (JSON)\n"
    "  sign     issue a certificate: --csr|--spkac, --profile|--ocsp-ca, --out ...\n"
    "  revoke   revoke serials of one CA and update its CRL copy: --ca, --serial ...\n"
    "  crl      fetch, verify and store a CA's full CRL: --ca [--out FILE]\n"
    "  pgp      certify an OpenPGP key: --key, --out, --proof ...\n"
    "  migrate  apply the sql/ migrations to the WebDB, print the schema version\n"
    "  run      work the WebDB queue as a daemon; --once: until it is empty (cron)\n"
    "\nExit status: 0 ok, 1 link/TLS/deadline failure, 2 usage or configuration,\n"
    "3 the signer answered error, 4 a result failed local verification.\n";

/** The command options given on the command line (not defaulted), for run_command to check. */
std::vector<std::string> given_options(const po::options_description& sign,
                                       const po::variables_map& vm) {
    std::vector<std::string> given;
    for (const auto& opt : sign.options()) {
        const auto& name = opt->long_name();
        if (vm.count(name) != 0U && !vm[name].defaulted()) {
            given.push_back(name);
        }
    }
    return given;
}

/** Every command but migrate (which only talks to the WebDB) needs the link settings. */
void require_link_settings(const ClientConfig& c) {
    require_setting(c.line, "line");
    require_setting(c.tls.ca_file, "tls.ca");
    require_setting(c.tls.cert_file, "tls.cert");
    require_setting(c.tls.key_file, "tls.key");
    require_setting(c.peer_name, "tls.peer_name");
}

void apply_durations(ClientConfig& c, const Seconds& s) {
    if (s.handshake == 0 || s.io == 0 || s.idle == 0) {
        config_error("deadlines must be at least one second");
    }
    c.link.handshake_timeout = std::chrono::seconds(s.handshake);
    c.link.io_timeout = std::chrono::seconds(s.io);
    c.idle = std::chrono::seconds(s.idle);
    if (c.run.max_attempts < 1 || s.lease == 0 || s.poll == 0 || s.status == 0) {
        config_error("run.max_attempts, run.lease_s, run.poll_s and run.status_s must be positive");
    }
    if (c.run.window < 1 || c.run.window > librecord::limits::max_waiting_results) {
        config_error("run.window must be 1 to 8 (docs/protocol.md §5.1)");
    }
    c.run.lease = std::chrono::seconds(s.lease);
    c.run.poll = std::chrono::seconds(s.poll);
    c.run.retry = std::chrono::seconds(s.retry);
    c.run.max_skew = std::chrono::seconds(s.skew);
    c.run.status = std::chrono::seconds(s.status);
    if (s.ocsp_renew_before == 0) {
        config_error("ocsp.renew_before_s must be positive");
    }
    c.ocsp.renew_before = std::chrono::seconds(s.ocsp_renew_before);
    for (const auto& ca : c.ocsp.responders) {
        const bool name_ok =
            !ca.empty() && ca.size() <= 64 && std::all_of(ca.begin(), ca.end(), [](char ch) {
                return std::isalnum(static_cast<unsigned char>(ch)) != 0 || ch == '_' || ch == '-';
            });
        if (!name_ok) {
            config_error("ocsp.responder must be a time CA name (letters, digits, '_', '-'): " +
                         ca);
        }
    }
}

}  // namespace

Invocation parse_invocation(int argc, const char* const* argv) {
    Invocation inv;
    Seconds seconds;
    const auto generic = common::generic_options(
        "Usage: cassiopeia-client -c FILE <command> [options]", inv.config.config_file);
    const auto conf = config_options(inv.config, seconds);
    const auto sign = command_options(inv);
    auto cl = common::parse_command_line(argc, argv, {generic, conf, &sign, commands_help, {}});
    inv.early = cl.early;
    inv.help_text = std::move(cl.help);
    if (inv.early != common::Early::none) {
        return inv;
    }
    inv.command_options = given_options(sign, cl.values);
    const auto& words = cl.words;
    if (words.empty()) {
        config_error("no command given");
    }
    inv.command = words.front();
    inv.args.assign(words.begin() + 1, words.end());
    if (inv.command != "migrate") {
        require_link_settings(inv.config);
    }
    apply_durations(inv.config, seconds);
    return inv;
}

}  // namespace cassiopeia::client
