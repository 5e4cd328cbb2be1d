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

#include <atomic>
#include <csignal>
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
    std::ostringstream j;
    // TODO(lead): the CAs with their CRL state join the report with issuance (#4, #5).
    j << "{\"version\": " << json_string(CASSIOPEIA_VERSION) << ", \"protocol\": 1"
      << ", \"time\": " << json_string(format_utc(std::chrono::floor<std::chrono::seconds>(now())))
      << ", \"uptime_s\": " << uptime << ", \"cas\": []"
      << ", \"repository\": {\"certificates\": " << certificates << ", \"jobs\": " << jobs
      << "}, \"audit_head\": " << json_string(head) << "}";
    return j.str();
}

int App::check(std::ostream& out) {
    check_key_file_mode(m_config.tls.key_file);
    const lr::tls::Credentials creds(m_config.tls);
    out << "link credentials: ok (" << m_config.tls.cert_file << ")\n";
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
