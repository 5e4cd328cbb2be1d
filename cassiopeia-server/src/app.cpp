// The signer daemon.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "app.hpp"

#include "crl/crl_signer.hpp"
#include "issuance/time_util.hpp"
#include "logging.hpp"
#include "privileges.hpp"
#include "secret_bytes.hpp"

#include <librecord/io/serial_channel.hpp>
#include <librecord/json.hpp>
#include <librecord/link.hpp>
#include <librecord/tls_engine.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

namespace cassiopeia::server {

namespace asio = boost::asio;
namespace lr = librecord;
using librecord::json_string;

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.server");
    return l;
}

/** Serves one line until `stop`; a failing line is retried, never ends the daemon. */
void serve_line(lr::io::Stream& line,
                const std::string& name,
                const lr::tls::Credentials& creds,
                const ServerConfig& config,
                Services& services,
                const std::atomic<bool>& stop) {
    lr::ServerLink link(line, creds, lr::tls::SessionOptions{config.peer_name}, config.link);
    RecordSession session(services, name);
    bool failing = false;
    while (!stop.load()) {
        const auto ec = link.serve(stop, session);
        if (!ec) {
            break;
        }
        if (!failing) {
            LOG4CPLUS_ERROR(log(), name << ": line failed: " << ec.message() << "; retrying");
            failing = true;  // logged once per outage
        }
        for (int i = 0; i < 10 && !stop.load(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
}

/** The setLog payload: one line per step, each ending in '\n' (docs/protocol.md §8.4). */
std::vector<uint8_t> log_bytes(const std::vector<std::string>& lines) {
    std::vector<uint8_t> out;
    for (const auto& l : lines) {
        out.insert(out.end(), l.begin(), l.end());
        out.push_back('\n');
    }
    return out;
}

/** Protocol §5.2: warn when a family's last time CA has less than 90 days left. */
std::vector<std::string> ca_warnings(const CaStore& cas, SysSeconds now) {
    constexpr auto horizon = std::chrono::days(90);
    std::map<std::string, const TimeCa*> last;
    for (const auto& ca : cas.all()) {
        auto& l = last[ca.parts.family];
        if (l == nullptr || ca.not_after > l->not_after) {
            l = &ca;
        }
    }
    std::vector<std::string> out;
    for (const auto& [family, ca] : last) {
        if (ca->not_after - now < horizon) {
            const auto days = std::chrono::floor<std::chrono::days>(ca->not_after - now).count();
            out.push_back("family " + family + ": its last time CA " + ca->name + " ends " +
                          format_utc(ca->not_after) + " (" + std::to_string(days) +
                          " days): make the next one (new-time-ca)");
        }
    }
    return out;
}

}  // namespace

App::App(ServerConfig config)
    : m_config(std::move(config)), m_started(std::chrono::steady_clock::now()) {}

std::chrono::system_clock::time_point App::now() const {
    return std::chrono::system_clock::now();
}

std::string App::status_json() {
    const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::steady_clock::now() - m_started)
                            .count();
    int64_t certificates = 0;
    int64_t jobs = 0;
    std::string head(64, '0');
    if (m_repo) {
        const std::lock_guard lock(m_repo_mutex);
        certificates = m_repo->count_certificates();
        jobs = m_repo->count_jobs();
        head = m_repo->audit_head();
    }
    std::ostringstream cas;
    if (m_cas) {
        const char* sep = "";
        std::vector<CrlState> crls;
        if (m_repo) {
            const std::lock_guard lock(m_repo_mutex);
            crls = m_repo->crl_states();
        }
        for (const auto& ca : m_cas->all()) {
            cas << sep << "{\"name\": " << json_string(ca.name)
                << ", \"not_before\": " << json_string(format_utc(ca.not_before))
                << ", \"not_after\": " << json_string(format_utc(ca.not_after));
            const auto crl = std::find_if(
                crls.begin(), crls.end(), [&](const CrlState& c) { return c.ca == ca.name; });
            if (crl != crls.end()) {
                cas << ", \"crl_number\": " << crl->crl_number
                    << ", \"this_update\": " << json_string(format_utc(crl->this_update))
                    << ", \"next_update\": " << json_string(format_utc(crl->next_update))
                    << ", \"revoked\": " << crl->revoked;
            }
            cas << "}";
            sep = ", ";
        }
    }
    std::string warnings;
    if (m_cas) {
        for (const auto& w : ca_warnings(*m_cas, std::chrono::floor<std::chrono::seconds>(now()))) {
            warnings += (warnings.empty() ? "" : ", ") + json_string(w);
        }
    }
    std::ostringstream j;
    j << "{\"version\": " << json_string(CASSIOPEIA_VERSION) << ", \"protocol\": 1"
      << ", \"time\": " << json_string(format_utc(std::chrono::floor<std::chrono::seconds>(now())))
      << ", \"uptime_s\": " << uptime << ", \"cas\": [" << cas.str() << "]"
      << ", \"repository\": {\"certificates\": " << certificates << ", \"jobs\": " << jobs
      << "}, \"audit_head\": " << json_string(head) << ", \"warnings\": [" << warnings << "]}";
    return j.str();
}

void App::load_signing_material() {
    m_profiles = std::make_unique<ProfileSet>(ProfileSet::load(m_config.profiles));
    m_cas = std::make_unique<CaStore>(CaStore::load(m_config.ca_certs, m_config.ca_keys));
    m_issuer = std::make_unique<Issuer>(*m_profiles, *m_cas);
}

std::optional<Refusable<Services::Signed>> App::stored_result(const std::string& request_id,
                                                              const Sha256Digest& request_hash) {
    auto stored = m_repo->find_request(request_id);
    if (!stored) {
        return std::nullopt;
    }
    if (::CRYPTO_memcmp(stored->hash.data(), request_hash.data(), request_hash.size()) != 0) {
        return Refusable<Signed>(
            Refusal{ErrorCode::request_mismatch,
                    "request id " + request_id + " was used for another request"});
    }
    LOG4CPLUS_INFO(log(), request_id << ": repeated request, stored result returned");
    return Refusable<Signed>(
        Signed{std::move(stored->log), std::move(stored->cert_der), std::move(stored->ca)});
}

Refusable<Services::Signed> App::certify(const std::string& request_id,
                                         const Sha256Digest& request_hash,
                                         std::string_view armoured_key,
                                         const SignRequest& request) {
    const Profile* profile = m_profiles->find(request.profile_name());
    if (!m_pgp || profile == nullptr) {
        return Refusal{ErrorCode::unknown_profile,
                       "setProfile: this signer has no OpenPGP certifying key"};
    }
    const std::lock_guard lock(m_repo_mutex);
    if (auto stored = stored_result(request_id, request_hash)) {
        return std::move(*stored);
    }
    std::vector<std::string> lines{"request " + request_id};
    const auto now = std::chrono::floor<std::chrono::seconds>(this->now());
    auto certified = m_pgp->certify(
        armoured_key, request.proofs(), *profile, request.wish_to_value(), now, lines);
    if (!certified) {
        LOG4CPLUS_INFO(log(), request_id << ": refused: " << certified.error().payload());
        return certified.error();
    }
    CertifiedKeyRecord rec;
    rec.request_id = request_id;
    rec.request_hash = request_hash;
    rec.log = log_bytes(lines);
    rec.armoured_key.assign(certified->armoured.begin(), certified->armoured.end());
    rec.signer = certified->certifier;
    rec.fingerprint = certified->fingerprint;
    m_repo->store_certified_key(rec);  // §6: committed before anything is sent back
    LOG4CPLUS_INFO(log(),
                   request_id << ": certified " << certified->certified_uids.size()
                              << " user ID(s) of " << certified->fingerprint);
    return Signed{std::move(rec.log), std::move(rec.armoured_key), std::move(rec.signer)};
}

Refusable<Services::Signed> App::sign(const std::string& request_id,
                                      const Sha256Digest& request_hash,
                                      const SignRequest& request) {
    // One signature at a time: two lines with the same request id must not both sign (§6).
    const std::lock_guard lock(m_repo_mutex);
    if (auto stored = stored_result(request_id, request_hash)) {
        return std::move(*stored);
    }
    std::vector<std::string> lines;
    lines.push_back("request " + request_id);
    const auto now = std::chrono::floor<std::chrono::seconds>(this->now());
    auto issued = m_issuer->issue(request, now, lines);
    if (!issued) {
        LOG4CPLUS_INFO(log(), request_id << ": refused: " << issued.error().payload());
        return issued.error();
    }
    IssuedRecord rec;
    rec.request_id = request_id;
    rec.request_hash = request_hash;
    rec.log = log_bytes(lines);
    rec.cert_der = issued->der;
    rec.serial = issued->serial_hex;
    rec.ca = issued->ca_name;
    rec.not_before = issued->not_before;
    rec.not_after = issued->not_after;
    // §6: committed before anything is sent back.
    m_repo->store_issued(rec);
    LOG4CPLUS_INFO(log(), request_id << ": issued serial " << rec.serial << " by " << rec.ca);
    if (m_kill_after_commit_for_test) {
        ::raise(SIGKILL);  // integration test of a crash between commit and reply
    }
    return Signed{std::move(rec.log), std::move(rec.cert_der), std::move(rec.ca)};
}

CrlSigner App::crl_signer_for(const TimeCa& ca) const {
    return [&ca](const CrlInput& in) { return sign_crl(ca, in); };
}

int App::maintain_crls() {
    const std::lock_guard lock(m_repo_mutex);
    const auto now = std::chrono::floor<std::chrono::seconds>(this->now());
    int signed_crls = 0;
    for (const auto& ca : m_cas->all()) {
        if (now < ca.not_before) {
            continue;  // a time CA waiting for its period signs nothing yet
        }
        const auto state = m_repo->crl_state(ca.name);
        if (!state) {
            (void)m_repo->init_crl(ca.name, now, now + m_config.crl_lifetime, crl_signer_for(ca));
            ++signed_crls;
            continue;
        }
        // An expired CA keeps one CRL issued after its notAfter, then rests.
        if (state->this_update > ca.not_after) {
            continue;
        }
        // Due: within crl.resign_s of nextUpdate, or the CA just expired (its last CRL).
        if (now + m_config.crl_resign >= state->next_update || now > ca.not_after) {
            const auto next =
                m_repo->renew_crl(ca.name, now, now + m_config.crl_lifetime, crl_signer_for(ca));
            LOG4CPLUS_INFO(log(),
                           "CRL " << next.crl_number << " of " << ca.name << " signed, next update "
                                  << format_utc(next.next_update));
            ++signed_crls;
        }
    }
    return signed_crls;
}

Refusable<std::vector<uint8_t>> App::revoke(const std::string& ca_name,
                                            const std::vector<std::string>& serials) {
    const TimeCa* ca = m_cas->find(ca_name);
    if (ca == nullptr) {
        return Refusal{ErrorCode::unknown_ca, "revoke: no CA named " + ca_name};
    }
    std::vector<RevokeItem> items;
    items.reserve(serials.size());
    for (const auto& s : serials) {
        const auto comma = s.find(',');
        RevokeItem item;
        item.serial = s.substr(0, comma);
        if (comma != std::string::npos) {
            item.reason = s.substr(comma + 1);
        }
        items.push_back(std::move(item));
    }
    const std::lock_guard lock(m_repo_mutex);
    const auto now = std::chrono::floor<std::chrono::seconds>(this->now());
    auto out =
        m_repo->revoke(ca_name, items, now, now + m_config.crl_lifetime, crl_signer_for(*ca));
    const auto list = [](const std::vector<std::string>& v) {
        std::string joined;
        for (const auto& x : v) {
            joined += (joined.empty() ? "" : " ") + x;
        }
        return joined;
    };
    using S = RevokeOutcome::Status;
    switch (out.status) {
        case S::revoked:
        case S::unchanged:
            LOG4CPLUS_INFO(log(),
                           "revoke on " << ca_name << ": CRL " << out.crl.crl_number << ", "
                                        << out.added.size() << " added, " << out.dropped.size()
                                        << " dropped");
            return std::move(out.crl.delta_der);
        case S::unknown_ca:
            return Refusal{ErrorCode::unknown_ca, "revoke: no CRL for " + ca_name};
        case S::unknown_serial:
            return Refusal{ErrorCode::unknown_serial,
                           "revoke: not issued here: " + list(out.refused)};
        case S::wrong_ca:
            return Refusal{ErrorCode::wrong_ca,
                           "revoke: not issued by " + ca_name + ": " + list(out.refused)};
        case S::bad_reason:
            return Refusal{ErrorCode::bad_request,
                           "addSerial: reason not allowed (§5.6): " + list(out.refused)};
    }
    return Refusal{ErrorCode::internal, "revoke: unexpected outcome"};
}

Refusable<std::vector<uint8_t>> App::full_crl(const std::string& ca_name) {
    const std::lock_guard lock(m_repo_mutex);
    auto state = m_repo->crl_state(ca_name);
    if (!state) {
        return Refusal{ErrorCode::unknown_ca, "getFullCRL: no CRL for " + ca_name};
    }
    return std::move(state->crl_der);
}

int App::check(std::ostream& out) {
    check_key_file_mode(m_config.tls.key_file);
    const lr::tls::Credentials creds(m_config.tls);
    out << "link credentials: ok (" << m_config.tls.cert_file << ")\n";
    load_signing_material();
    const auto now = std::chrono::floor<std::chrono::seconds>(this->now());
    for (const auto& ca : m_cas->all()) {
        out << "ca " << ca.name << ": " << format_utc(ca.not_before) << " .. "
            << format_utc(ca.not_after)
            << (ca.valid_at(now) ? " (valid now)"
                                 : (now < ca.not_before ? " (not yet valid)" : " (expired)"))
            << '\n';
    }
    for (const auto& w : ca_warnings(*m_cas, now)) {
        out << "warning: " << w << '\n';
    }
    for (const auto& line : m_config.lines) {
        out << "line: " << line << '\n';
    }
    out << "repository: " << m_config.repository << '\n';
    return 0;
}

int App::run() {
    harden_process();
    check_key_file_mode(m_config.tls.key_file);
    const lr::tls::Credentials creds(m_config.tls);
    load_signing_material();
    const char* kill =
        std::getenv("CASSIOPEIA_TEST_KILL_AFTER_COMMIT");  // NOLINT(concurrency-mt-unsafe)
    m_kill_after_commit_for_test = kill != nullptr && std::string_view(kill) == "1";
    if (m_kill_after_commit_for_test) {
        LOG4CPLUS_WARN(log(), "test switch CASSIOPEIA_TEST_KILL_AFTER_COMMIT is set");
    }

    // Open every line before dropping root (conventions §2).
    std::vector<std::unique_ptr<lr::io::SerialChannel>> lines;
    for (const auto& path : m_config.lines) {
        auto ch = lr::io::SerialChannel::open(
            {path, m_config.baud},
            lr::io::Clock::now() + m_config.link.handshake_timeout,
            [](const std::string& what) { LOG4CPLUS_WARN(log(), what); });
        if (ch.error() == std::errc::invalid_argument) {
            throw Error(ErrorKind::config,
                        "baud",
                        "unsupported baud rate " + std::to_string(m_config.baud));
        }
        if (!ch) {
            throw Error(ErrorKind::io, "open " + path, ch.error().message());
        }
        lines.push_back(std::move(ch.value()));
    }
    // The certifying key is read as root (0600) and wiped on every path (style.md §4.4).
    SecretBytes pgp_key;
    if (!m_config.openpgp_key.empty()) {
        check_key_file_mode(m_config.openpgp_key);
        pgp_key = SecretBytes::read_file(m_config.openpgp_key);
    }
    drop_privileges(m_config.user, m_config.group);
    // Opened after the drop, so that the database files belong to the signer's user.
    m_repo = std::make_unique<Repository>(Repository::open(m_config.repository));
    m_repo->audit_append("start", std::string("cassiopeia-server ") + CASSIOPEIA_VERSION);
    (void)maintain_crls();  // §5.6: every CA has a CRL (number 1 at first) before serving
    if (!pgp_key.empty()) {
        // After the drop, so that gpg-agent runs as the signer's user; the home lies in the
        // repository folder (conventions §2).
        m_pgp = std::make_unique<OpenPgpCertifier>(OpenPgpCertifier::open(
            std::filesystem::path(m_config.repository) / "gnupg", pgp_key.bytes()));
        LOG4CPLUS_INFO(log(), "OpenPGP certifying key " << m_pgp->fingerprint());
    }
    LOG4CPLUS_INFO(
        log(),
        "cassiopeia-server " << CASSIOPEIA_VERSION << " serving " << lines.size() << " line(s)");

    std::atomic<bool> stop{false};
    std::vector<std::thread> workers;
    workers.reserve(lines.size());
    for (size_t i = 0; i < lines.size(); ++i) {
        workers.emplace_back([&, i] {
            try {
                serve_line(*lines[i], m_config.lines[i], creds, m_config, *this, stop);
            } catch (const std::exception& e) {
                LOG4CPLUS_FATAL(log(), m_config.lines[i] << ": " << e.what());
                std::raise(SIGTERM);
            }
        });
    }

    asio::io_context ctx;
    asio::signal_set signals(ctx, SIGINT, SIGTERM);
    asio::steady_timer crl_timer(ctx);
    // Scheduled CRLs (issue #5): checked at most every minute, signed within crl.resign_s of
    // nextUpdate, also when nothing was revoked.
    const auto period = std::chrono::seconds(
        std::clamp<int64_t>(m_config.crl_resign.count() / 4, int64_t{1}, int64_t{60}));
    std::function<void()> schedule = [&] {
        crl_timer.expires_after(period);
        crl_timer.async_wait([&](const boost::system::error_code& ec) {
            if (ec || stop.load()) {
                return;  // a completion already queued when SIGTERM came must not re-arm
            }
            try {
                (void)maintain_crls();
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
    for (auto& w : workers) {
        w.join();
    }
    m_repo->audit_append("stop", "signal");
    LOG4CPLUS_INFO(log(), "stopped");
    return 0;
}

}  // namespace cassiopeia::server
