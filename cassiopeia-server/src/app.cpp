// The signer daemon.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "app.hpp"

#include "issuance/time_util.hpp"
#include "logging.hpp"
#include "privileges.hpp"

#include <librecord/io/serial_channel.hpp>
#include <librecord/link.hpp>
#include <librecord/tls_engine.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <openssl/crypto.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <sstream>
#include <thread>

namespace cassiopeia::server {

namespace asio = boost::asio;
namespace lr = librecord;

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.server");
    return l;
}

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (const char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20) {
                    constexpr std::string_view hex = "0123456789abcdef";
                    out += "\\u00";
                    out += hex[static_cast<unsigned char>(c) >> 4U];
                    out += hex[static_cast<unsigned char>(c) & 0xFU];
                } else {
                    out += c;
                }
        }
    }
    return out + '"';
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
        // TODO(lead): CRL number, thisUpdate, nextUpdate and revoked count join with #5.
        const char* sep = "";
        for (const auto& ca : m_cas->all()) {
            cas << sep << "{\"name\": " << json_string(ca.name)
                << ", \"not_before\": " << json_string(format_utc(ca.not_before))
                << ", \"not_after\": " << json_string(format_utc(ca.not_after)) << "}";
            sep = ", ";
        }
    }
    std::ostringstream j;
    j << "{\"version\": " << json_string(CASSIOPEIA_VERSION) << ", \"protocol\": 1"
      << ", \"time\": " << json_string(format_utc(std::chrono::floor<std::chrono::seconds>(now())))
      << ", \"uptime_s\": " << uptime << ", \"cas\": [" << cas.str() << "]"
      << ", \"repository\": {\"certificates\": " << certificates << ", \"jobs\": " << jobs
      << "}, \"audit_head\": " << json_string(head) << "}";
    return j.str();
}

void App::load_signing_material() {
    m_profiles = std::make_unique<ProfileSet>(ProfileSet::load(m_config.profiles));
    m_cas = std::make_unique<CaStore>(CaStore::load(m_config.ca_certs, m_config.ca_keys));
    m_issuer = std::make_unique<Issuer>(*m_profiles, *m_cas);
}

Outcome<Services::Signed> App::sign(const std::string& request_id,
                                    const Sha256Digest& request_hash,
                                    const SignRequest& request) {
    // One signature at a time: two lines with the same request id must not both sign (§6).
    const std::lock_guard lock(m_repo_mutex);
    if (auto stored = m_repo->find_request(request_id)) {
        if (::CRYPTO_memcmp(stored->hash.data(), request_hash.data(), request_hash.size()) != 0 ||
            stored->cert_der.empty()) {
            return Outcome<Signed>(
                SignerError{std::string(errc::request_mismatch),
                            "request id " + request_id + " was used for another request"});
        }
        LOG4CPLUS_INFO(log(), request_id << ": repeated request, stored result returned");
        return Signed{std::move(stored->log), std::move(stored->cert_der), std::move(stored->ca)};
    }
    std::vector<std::string> lines;
    lines.push_back("request " + request_id);
    const auto now = std::chrono::floor<std::chrono::seconds>(this->now());
    auto issued = m_issuer->issue(request, now, lines);
    if (!issued) {
        LOG4CPLUS_INFO(log(), request_id << ": refused: " << issued.error().payload());
        return issued.error();
    }
    std::string text;
    for (const auto& l : lines) {
        text += l;
        text += '\n';
    }
    IssuedRecord rec;
    rec.request_id = request_id;
    rec.request_hash = request_hash;
    rec.log.assign(text.begin(), text.end());
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

Outcome<std::vector<uint8_t>> App::revoke(const std::string& /*ca*/,
                                          const std::vector<std::string>& /*serials*/) {
    return SignerError{std::string(errc::bad_request), "revoke: not served by this version"};
}

Outcome<std::vector<uint8_t>> App::full_crl(const std::string& /*ca*/) {
    return SignerError{std::string(errc::bad_request), "getFullCRL: not served by this version"};
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
        std::error_code ec;
        auto ch = lr::io::SerialChannel::open(
            {path, m_config.baud},
            lr::io::Clock::now() + m_config.link.handshake_timeout,
            ec,
            [](const std::string& what) { LOG4CPLUS_WARN(log(), what); });
        if (!ch) {
            throw Error(ErrorKind::io, "open " + path, ec.message());
        }
        lines.push_back(std::move(ch));
    }
    drop_privileges(m_config.user, m_config.group);
    // Opened after the drop, so that the database files belong to the signer's user.
    m_repo = std::make_unique<Repository>(Repository::open(m_config.repository));
    m_repo->audit_append("start", std::string("cassiopeia-server ") + CASSIOPEIA_VERSION);
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
    signals.async_wait([&](const boost::system::error_code&, int sig) {
        LOG4CPLUS_INFO(log(), "signal " << sig << ": stopping");
        stop = true;
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
