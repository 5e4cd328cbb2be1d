// The signer's configuration: config file plus command-line overrides.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "config.hpp"

#include <cassiopeia/common/options.hpp>
#include <librecord/errors.hpp>

#include <boost/program_options.hpp>

namespace cassiopeia::server {

namespace po = boost::program_options;
using common::config_error;
using common::require_setting;

namespace {

/** Durations in whole seconds as the configuration gives them. */
struct Seconds {
    unsigned handshake = 60;
    unsigned io = 30;
    unsigned idle = 900;
    unsigned crl_lifetime = 7 * 86400;
    unsigned crl_resign = 3 * 86400;
};

po::options_description config_options(ServerConfig& c, Seconds& t) {
    po::options_description d("Configuration (file or command line)");
    d.add_options()("user", po::value(&c.user), "drop to this user when started as root")(
        "group", po::value(&c.group), "and to this group")(
        "repository", po::value(&c.repository), "the signer's repository folder")(
        "log_config", po::value(&c.log_config), "log4cplus properties file")(
        "profiles", po::value(&c.profiles), "folder of the profile files (<name>.conf)")(
        "ca_certs", po::value(&c.ca_certs), "folder of the issuing time CAs (<name>.pem)")(
        "ca_keys",
        po::value(&c.ca_keys),
        "folder of their keys (<name>.key, mode 0600), or a token's pkcs11: URI")(
        "root_cert", po::value(&c.root_cert), "new-time-ca: the root certificate (PEM)")(
        "root_key",
        po::value(&c.root_key),
        "new-time-ca: the root key (PEM, mode 0600, or a pkcs11: URI)")(
        "openpgp_key",
        po::value(&c.openpgp_key),
        "armoured OpenPGP certifying secret key (mode 0600); unset: no OpenPGP")(
        "crl.lifetime_s",
        po::value(&t.crl_lifetime)->default_value(t.crl_lifetime),
        "nextUpdate - thisUpdate of every CRL, seconds")(
        "crl.resign_s",
        po::value(&t.crl_resign)->default_value(t.crl_resign),
        "re-sign a CRL this many seconds before its nextUpdate")(
        "line", po::value(&c.lines)->composing(), "serial line or pty to serve (repeatable)")(
        "baud", po::value(&c.baud)->default_value(115200), "baud rate of serial lines")(
        "tls.ca", po::value(&c.tls.ca_file), "link CA certificate (PEM)")(
        "tls.cert", po::value(&c.tls.cert_file), "the signer's link certificate (PEM)")(
        "tls.key",
        po::value(&c.tls.key_file),
        "the signer's link key (PEM, mode 0600, or a pkcs11: URI)")(
        "tls.peer_name", po::value(&c.peer_name), "dNSName the client's certificate must carry")(
        "deadline.handshake_s",
        po::value(&t.handshake)->default_value(t.handshake),
        "HELLO to TLS established, seconds")(
        "deadline.io_s", po::value(&t.io)->default_value(t.io), "each read and write, seconds")(
        "deadline.idle_s",
        po::value(&t.idle)->default_value(t.idle),
        "an idle link session is closed after this many seconds");
    common::add_pkcs11_options(d, c.pkcs11);
    return d;
}

/** The command-line-only options of resign and compare. */
po::options_description ceremony_options(Invocation& inv) {
    ResignRequest& r = inv.resign;
    po::options_description d("resign and compare (local only)");
    d.add_options()("cert", po::value(&r.cert), "resign: the certificate to sign anew (PEM)")(
        "key", po::value(&r.key), "resign: a self-signed root's own key (file or pkcs11: URI)")(
        "issuer-cert", po::value(&r.issuer_cert), "resign: or the issuer's certificate")(
        "issuer-key", po::value(&r.issuer_key), "resign: and the issuer's key")(
        "hash", po::value(&r.hash), "resign: sha256, sha384 or sha512")(
        "serial", po::value(&r.serial), "resign: a new serial, decimal or 0x-hex")(
        "crl-dp", po::value(&r.crl_urls)->composing(), "resign: new CRL URL (repeatable)")(
        "ocsp", po::value(&r.ocsp_urls)->composing(), "resign: new OCSP URL (repeatable)")(
        "aki", po::value(&r.aki), "resign: keyid reduces the AKI to its key identifier")(
        "out", po::value(&r.out), "resign: the new certificate, a file that must not exist")(
        "allow",
        po::value(&inv.compare.allow)->composing(),
        "compare: a field allowed to differ (repeatable)");
    return d;
}

/** resign's and compare's arguments, checked for what each needs. */
void set_ceremony_command(Invocation& inv, const std::vector<std::string>& words) {
    if (words[0] == "compare") {
        inv.action = Invocation::Action::compare;
        if (words.size() != 3) {
            config_error("compare needs OLD.pem NEW.pem");
        }
        inv.compare.old_cert = words[1];
        inv.compare.new_cert = words[2];
        return;
    }
    inv.action = Invocation::Action::resign;
    const ResignRequest& r = inv.resign;
    if (words.size() != 1) {
        config_error("resign takes no further words");
    }
    if (r.cert.empty() || r.hash.empty() || r.out.empty()) {
        config_error("resign needs --cert, --hash and --out");
    }
    const bool own = !r.key.empty();
    const bool by_issuer = !r.issuer_cert.empty() && !r.issuer_key.empty();
    if (own == by_issuer || (!by_issuer && (!r.issuer_cert.empty() || !r.issuer_key.empty()))) {
        config_error(
            "resign needs either --key (a self-signed root) or --issuer-cert and "
            "--issuer-key");
    }
}

/** The positional command, checked for what it needs. */
void set_command(Invocation& inv, const std::vector<std::string>& commands) {
    const ServerConfig& c = inv.config;
    if (!commands.empty() && (commands[0] == "resign" || commands[0] == "compare")) {
        set_ceremony_command(inv, commands);
        return;
    }
    if (commands.size() > 1) {
        config_error("one command at most");
    }
    if (!commands.empty()) {
        if (commands[0] == "check") {
            inv.action = Invocation::Action::check;
        } else if (commands[0] == "audit-verify") {
            inv.action = Invocation::Action::audit_verify;
        } else if (commands[0] == "new-time-ca") {
            inv.action = Invocation::Action::new_time_ca;
            if (inv.family.empty() || inv.from.empty() || inv.to.empty()) {
                config_error("new-time-ca needs --family, --from and --to");
            }
            if (c.ca_certs.empty() || c.ca_keys.empty()) {
                config_error("new-time-ca needs ca_certs and ca_keys");
            }
        } else {
            config_error("unknown command '" + commands[0] + "'");
        }
    }
}

/** The settings the chosen action cannot do without. */
void require_settings(const Invocation& inv) {
    const ServerConfig& c = inv.config;
    if (inv.action == Invocation::Action::compare) {
        return;  // reads the two certificates only
    }
    require_setting(c.repository, "repository");
    if (inv.action == Invocation::Action::serve || inv.action == Invocation::Action::check) {
        if (c.lines.empty()) {
            config_error("missing setting 'line'");
        }
        require_setting(c.tls.ca_file, "tls.ca");
        require_setting(c.tls.cert_file, "tls.cert");
        require_setting(c.tls.key_file, "tls.key");
        require_setting(c.peer_name, "tls.peer_name");
        require_setting(c.profiles, "profiles");
        require_setting(c.ca_certs, "ca_certs");
        require_setting(c.ca_keys, "ca_keys");
    }
}

/** Deadlines and CRL periods from their whole seconds. */
void apply_durations(ServerConfig& c, const Seconds& t) {
    if (t.handshake == 0 || t.io == 0 || t.idle == 0) {
        config_error("deadlines must be at least one second");
    }
    c.link.handshake_timeout = std::chrono::seconds(t.handshake);
    c.link.io_timeout = std::chrono::seconds(t.io);
    c.link.session_idle_timeout = std::chrono::seconds(t.idle);
    if (t.crl_lifetime == 0 || t.crl_resign >= t.crl_lifetime) {
        config_error("crl.resign_s must be below crl.lifetime_s, which must be positive");
    }
    c.crl_lifetime = std::chrono::seconds(t.crl_lifetime);
    c.crl_resign = std::chrono::seconds(t.crl_resign);
}

}  // namespace

Invocation parse_invocation(int argc, const char* const* argv) {
    Invocation inv;
    ServerConfig& c = inv.config;
    Seconds t;

    auto generic = common::generic_options(
        "Usage: cassiopeia-server -c FILE [check | audit-verify | new-time-ca ... | resign ...]\n"
        "       cassiopeia-server compare OLD.pem NEW.pem [--allow FIELD]...",
        c.config_file);
    generic.add_options()(
        "family", po::value(&inv.family), "new-time-ca: the profile family (client, server...)")(
        "from", po::value(&inv.from), "new-time-ca: notBefore, YYYY-MM-DDTHH:MM:SSZ")(
        "to", po::value(&inv.to), "new-time-ca: notAfter, YYYY-MM-DDTHH:MM:SSZ")(
        "key-type", po::value(&inv.key_type), "new-time-ca: rsa (2048) or ec (P-256)");
    const auto conf = config_options(c, t);
    const auto ceremony = ceremony_options(inv);
    const common::CommandLineSpec spec{
        generic,
        conf,
        &ceremony,
        "  (none)        serve the configured lines\n"
        "  check         validate configuration and keys, list the CAs\n"
        "  audit-verify  walk the audit chain; non-zero if an entry was changed\n"
        "  new-time-ca   key ceremony (local only): a time CA signed by the root key\n"
        "  resign        ceremony (local only): a CA certificate signed anew, same key\n"
        "  compare       two certificates field by field; non-zero on a difference not\n"
        "                allowed (no -c needed)\n",
        "compare"};
    auto cl = common::parse_command_line(argc, argv, spec);
    inv.early = cl.early;
    inv.help_text = std::move(cl.help);
    if (inv.early != common::Early::none) {
        return inv;
    }

    set_command(inv, cl.words);
    require_settings(inv);
    apply_durations(c, t);
    return inv;
}

}  // namespace cassiopeia::server
