// The signer daemon: lines, privileges, line threads, signals and the CRL timer.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "daemon.hpp"

#include "gpg/private_home.hpp"
#include "logging.hpp"
#include "privileges.hpp"
#include "repository/repository.hpp"
#include "repository/repository_claim.hpp"
#include "secret_bytes.hpp"
#include "signing_service.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <librecord/io/serial_channel.hpp>
#include <librecord/link.hpp>
#include <librecord/pkcs11.hpp>
#include <librecord/tls_engine.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <thread>

namespace cassiopeia::server {

namespace asio = boost::asio;
namespace lr = librecord;

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.server");
    return l;
}

using Lines = std::vector<std::unique_ptr<lr::io::SerialChannel>>;

/**
 * The signer does not start with a CA the line may not use loaded (a root, a CA of a
 * local-only profile, the link CA; docs/key-ceremony.md): a configuration error, exit 2.
 */
void refuse_line_faults(const std::vector<std::string>& faults) {
    if (faults.empty()) {
        return;
    }
    std::string all;
    for (const auto& f : faults) {
        LOG4CPLUS_ERROR(log(), "refusing to start: " << f);
        all += (all.empty() ? "" : "; ") + f;
    }
    throw Error(ErrorKind::config, "CA set-up", all);
}

/** Sleeps `d` in slices of 100 ms, returning early once `stop` is set. */
void sleep_unless_stopped(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
    const auto until = lr::io::Clock::now() + d;
    while (!stop.load() && lr::io::Clock::now() < until) {
        std::this_thread::sleep_for(std::min<lr::io::Clock::duration>(
            std::chrono::milliseconds(100), until - lr::io::Clock::now()));
    }
}

/**
 * Re-opens the line at `path` after it failed (a hang-up, EIO, ENXIO, a vanished device): waits
 * `backoff`, then tries, doubling `backoff` up to 10 s after each miss, until it opens or `stop`
 * is set. The open takes the same flock and TIOCEXCL as the first one (docs/protocol.md §1).
 * Null after `stop`.
 */
std::unique_ptr<lr::io::SerialChannel> reopen_line(const std::string& path,
                                                   unsigned baud,
                                                   std::chrono::milliseconds& backoff,
                                                   const std::atomic<bool>& stop) {
    while (!stop.load()) {
        sleep_unless_stopped(backoff, stop);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(10000));
        if (stop.load()) {
            break;
        }
        auto ch = lr::io::SerialChannel::open({path, baud}, lr::io::Clock::now());
        if (ch) {
            return std::move(ch.value());
        }
    }
    return nullptr;
}

/**
 * Serves one line until `stop`. A failing line is closed and re-opened under the same path, as
 * the signer's own user; never ends the daemon. One outage is logged once when it starts and
 * once when the line is back; a line that fails again within 10 s of coming back is still the
 * same outage (its back-off keeps growing, nothing more is logged). Re-opens are counted in
 * those lines. Each time the line is (re)opened the signer announces itself (END, RESET).
 */
void serve_line(std::unique_ptr<lr::io::SerialChannel>& line,
                const std::string& name,
                const lr::tls::Credentials& creds,
                const ServerConfig& config,
                Services& services,
                const std::atomic<bool>& stop) {
    constexpr auto healthy = std::chrono::seconds(10);
    constexpr auto first_backoff = std::chrono::milliseconds(500);
    RecordSession session(services, name);
    auto backoff = first_backoff;
    bool outage = false;
    bool told_back = false;
    uint64_t reopens = 0;
    while (!stop.load()) {
        const auto since = lr::io::Clock::now();
        std::error_code ec;
        {
            lr::ServerLink link(
                *line, creds, lr::tls::SessionOptions{config.peer_name}, config.link);
            link.announce();  // a client still in a session with an earlier signer starts over
            ec = link.serve(stop, session);
        }
        if (!ec) {
            break;
        }
        if (!outage || lr::io::Clock::now() - since >= healthy) {
            LOG4CPLUS_ERROR(log(), name << ": line failed: " << ec.message() << "; reopening it");
            outage = true;
            told_back = false;
            backoff = first_backoff;
        }
        line.reset();  // closes the dead descriptor (and clears TIOCEXCL on it)
        line = reopen_line(name, config.baud, backoff, stop);
        if (!line) {
            break;  // stopped during the outage
        }
        ++reopens;
        if (!told_back) {
            LOG4CPLUS_INFO(log(),
                           name << ": line reopened (" << reopens
                                << " re-opens since start); serving it again");
            told_back = true;
        }
    }
}

/** Opens every line; done before dropping root (docs/conventions.md §2). */
Lines open_lines(const ServerConfig& config) {
    Lines lines;
    for (const auto& path : config.lines) {
        auto ch = lr::io::SerialChannel::open(
            {path, config.baud},
            lr::io::Clock::now() + config.link.handshake_timeout,
            [](const std::string& what) { LOG4CPLUS_WARN(log(), what); });
        if (ch.error() == std::errc::invalid_argument) {
            throw Error(
                ErrorKind::config, "baud", "unsupported baud rate " + std::to_string(config.baud));
        }
        if (!ch) {
            throw Error(ErrorKind::io, "line " + path, "cannot open: " + ch.error().message());
        }
        lines.push_back(std::move(ch.value()));
    }
    return lines;
}

/** True when the armour is a public key block: the certifying key's secret is in a token. */
bool is_public_key_block(std::span<const uint8_t> armour) {
    static constexpr std::string_view head = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
    const std::string_view text(reinterpret_cast<const char*>(armour.data()),  // NOLINT
                                armour.size());
    const size_t first = text.find("-----BEGIN ");
    return first != std::string_view::npos && text.substr(first).starts_with(head);
}

/** The certifying key, read as root (0600) and wiped on every path (docs/style.md). */
SecretBytes read_certifying_key(const ServerConfig& config) {
    SecretBytes pgp_key;
    if (!config.openpgp_key.empty()) {
        pgp_key = SecretBytes::read_file(config.openpgp_key);
        if (!is_public_key_block(pgp_key.bytes())) {
            check_key_file_mode(config.openpgp_key);  // a secret key: 0600 (a public one: any)
        }
    }
    return pgp_key;
}

/**
 * Earlier signers imported the certifying secret key into `<repository>/gnupg`, on disk; a
 * leftover is stopped (its agent) and wiped (docs/openpgp.md, "The GnuPG home").
 */
void remove_repository_gnupg_home(const ServerConfig& config) {
    const auto old_home = std::filesystem::path(config.repository) / "gnupg";
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(old_home, ec))) {
        return;
    }
    LOG4CPLUS_WARN(log(),
                   "removing the GnuPG home " << old_home.string()
                                              << " left on disk by an earlier signer; the "
                                                 "certifying key now lives only in memory");
    gpg::wipe_home(old_home);
}

/**
 * After the drop, so that gpg-agent runs as the signer's user; the home is a private folder
 * in memory (gpg::PrivateHome::default_base()). The key bytes are wiped when this returns.
 * Null without a certifying key.
 */
std::unique_ptr<OpenPgpCertifier> open_certifier(SecretBytes pgp_key,
                                                 const librecord::pkcs11::Settings& token) {
    if (pgp_key.empty()) {
        return nullptr;
    }
    std::unique_ptr<OpenPgpCertifier> pgp;
    if (is_public_key_block(pgp_key.bytes())) {
        // The secret half is in the token, through gnupg-pkcs11-scd (docs/hsm.md).
        if (token.module.empty()) {
            throw Error(ErrorKind::config,
                        "openpgp_key",
                        "a public key (its secret in a token) needs pkcs11.module");
        }
        std::string pin = librecord::pkcs11::read_pin(token);
        try {
            pgp = std::make_unique<OpenPgpCertifier>(OpenPgpCertifier::open_in_token(
                gpg::PrivateHome::default_base(), pgp_key.bytes(), token.module, pin));
        } catch (...) {
            ::OPENSSL_cleanse(pin.data(), pin.size());
            throw;
        }
        ::OPENSSL_cleanse(pin.data(), pin.size());
    } else {
        pgp = std::make_unique<OpenPgpCertifier>(
            OpenPgpCertifier::open(gpg::PrivateHome::default_base(), pgp_key.bytes()));
    }
    LOG4CPLUS_INFO(
        log(),
        "OpenPGP certifying key " << pgp->fingerprint() << ", GnuPG home " << pgp->home().string());
    return pgp;
}

/** One thread per line; a line whose thread fails stops the daemon. */
std::vector<std::thread> start_line_threads(Lines& lines,
                                            const lr::tls::Credentials& creds,
                                            const ServerConfig& config,
                                            Services& services,
                                            const std::atomic<bool>& stop) {
    std::vector<std::thread> workers;
    workers.reserve(lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
        workers.emplace_back([&, i] {
            try {
                serve_line(lines[i], config.lines[i], creds, config, services, stop);
            } catch (const std::exception& e) {
                LOG4CPLUS_FATAL(log(), config.lines[i] << ": " << e.what());
                (void)std::raise(SIGTERM);
            }
        });
    }
    return workers;
}

/**
 * Runs the I/O thread until SIGINT/SIGTERM: scheduled CRLs are checked at most every minute
 * and signed within crl.resign_s of nextUpdate, also when nothing was revoked
 * (docs/protocol.md §5.6). Sets `stop` when a signal comes.
 */
void run_until_signal(SigningService& service,
                      std::chrono::seconds crl_resign,
                      std::atomic<bool>& stop) {
    asio::io_context ctx;
    asio::signal_set signals(ctx, SIGINT, SIGTERM);
    asio::steady_timer crl_timer(ctx);
    const auto period =
        std::chrono::seconds(std::clamp<int64_t>(crl_resign.count() / 4, int64_t{1}, int64_t{60}));
    std::function<void()> schedule = [&] {
        crl_timer.expires_after(period);
        crl_timer.async_wait([&](const boost::system::error_code& ec) {
            if (ec || stop.load()) {
                return;  // a completion already queued when SIGTERM came must not re-arm
            }
            try {
                (void)service.maintain_crls();
            } catch (const std::exception& e) {
                LOG4CPLUS_ERROR(log(), "scheduled CRL signing failed: " << e.what());
            }
            schedule();
        });
    };
    schedule();
    signals.async_wait([&](const boost::system::error_code&, int sig) {
        LOG4CPLUS_INFO(log(), "signal " << sig << ": stopping");
        stop = true;
        crl_timer.cancel();
    });
    ctx.run();
}

}  // namespace

Daemon::Daemon(ServerConfig config) : m_config(std::move(config)) {}

void Daemon::set_after_commit_hook_for_test(std::function<void()> hook) {
    m_after_commit_for_test = std::move(hook);
}

void Daemon::set_clock_offset_for_test(std::chrono::seconds offset) {
    m_clock_offset_for_test = offset;
}

int Daemon::run() {
    harden_process();  // server_main did already; a Daemon run from elsewhere must not skip it
    check_key_file_mode(m_config.tls.key_file);
    const lr::tls::Credentials creds(m_config.tls);
    auto material = SigningMaterial::load(m_config);  // as root: CA keys are 0600
    refuse_line_faults(material.line_faults);
    Lines lines = open_lines(m_config);
    SecretBytes pgp_key = read_certifying_key(m_config);
    drop_privileges(m_config.user, m_config.group);
    // Keys in a token are first opened here, as the signer's user (docs/hsm.md): one that
    // cannot sign or is not its certificate's stops the start.
    creds.check_key();
    material.cas->check_keys();
    remove_repository_gnupg_home(m_config);
    // Opened before the repository is, so that the key bytes are wiped at once.
    auto certifier = open_certifier(std::move(pgp_key), m_config.pkcs11);
    // Claimed for the whole run, so that no ceremony that must not run beside the serving
    // signer (resign) does; opened after the drop, so the database files are the user's.
    const RepositoryClaim claim = RepositoryClaim::take(m_config.repository);
    Repository repo = Repository::open(m_config.repository);
    (void)repo.lock().audit().append("start",
                                     std::string("cassiopeia-server ") + CASSIOPEIA_VERSION);
    const CrlPolicy crl_policy{m_config.crl_lifetime, m_config.crl_resign};
    // §5.6: every CA has a CRL (number 1 at first) before serving.
    (void)maintain_crls(repo,
                        *material.cas,
                        crl_policy,
                        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
    SigningService service(std::move(material), repo, std::move(certifier), crl_policy);
    service.set_link_key_state([&creds] { return creds.token_state(); });
    if (m_after_commit_for_test) {
        LOG4CPLUS_WARN(log(), "test build: an after-commit hook is installed");
        service.set_after_commit_hook_for_test(m_after_commit_for_test);
    }
    if (m_clock_offset_for_test.count() != 0) {
        LOG4CPLUS_WARN(log(),
                       "test build: the signer's clock is offset by "
                           << m_clock_offset_for_test.count() << " s");
        service.set_clock_offset_for_test(m_clock_offset_for_test);
    }
    LOG4CPLUS_INFO(
        log(),
        "cassiopeia-server " << CASSIOPEIA_VERSION << " serving " << lines.size() << " line(s)");

    std::atomic<bool> stop{false};
    auto workers = start_line_threads(lines, creds, m_config, service, stop);
    run_until_signal(service, m_config.crl_resign, stop);
    for (auto& w : workers) {
        w.join();
    }
    (void)repo.lock().audit().append("stop", "signal");
    LOG4CPLUS_INFO(log(), "stopped");
    return exit_code::ok;
}

}  // namespace cassiopeia::server
