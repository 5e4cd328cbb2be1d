// The record protocol on one TLS session.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "session.hpp"

#include "issuance/time_util.hpp"
#include "logging.hpp"

#include <array>
#include <cstdio>
#include <sys/random.h>

namespace cassiopeia::server {

namespace lr = librecord;

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.server.session");
    return l;
}

std::span<const uint8_t> bytes_of(std::string_view s) {
    // Text payloads are UTF-8 bytes on the wire (§4).
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};  // NOLINT
}

std::string incident_id() {
    std::array<uint8_t, 4> raw{};
    if (::getrandom(raw.data(), raw.size(), 0) != static_cast<ssize_t>(raw.size())) {
        return "00000000";
    }
    return lr::to_hex(raw);
}

bool is_setup(lr::Command c) {
    switch (c) {
        case lr::Command::sign:
        case lr::Command::log_saved:
        case lr::Command::revoke:
        case lr::Command::get_full_crl:
        case lr::Command::get_timestamp:
        case lr::Command::get_status_report:
            return false;
        default:
            return true;
    }
}

}  // namespace

HeaderGuess guess_header(std::string_view line) noexcept {
    // ':' + hex of command(2) flags(1) session(4) counter(2).
    constexpr size_t header_digits = 2 * 9;
    HeaderGuess g;
    if (line.size() < 1 + header_digits || line.front() != ':') {
        return g;
    }
    const auto raw = lr::from_hex(line.substr(1, header_digits));
    if (!raw) {
        return g;
    }
    const auto& b = raw.value();
    g.session = static_cast<uint32_t>(b[3]) | (static_cast<uint32_t>(b[4]) << 8U) |
                (static_cast<uint32_t>(b[5]) << 16U) | (static_cast<uint32_t>(b[6]) << 24U);
    g.counter = static_cast<uint16_t>(b[7] | (b[8] << 8U));
    return g;
}

RecordSession::RecordSession(Services& services, std::string line_name)
    : m_services(services), m_line(std::move(line_name)) {}

void RecordSession::clear_request() noexcept {
    m_setup.clear();
    m_failure.reset();
    m_sans = m_avas = m_proofs = m_serials = 0;
}

void RecordSession::on_session_start(lr::ServerLink& /*link*/) {
    m_session.reset();
    m_assembler.reset();
    clear_request();
    LOG4CPLUS_INFO(log(), m_line << ": TLS session established");
}

void RecordSession::on_session_end(lr::ServerLink& /*link*/, std::error_code why) {
    LOG4CPLUS_INFO(log(), m_line << ": session ended (" << why.message() << ")");
    m_session.reset();
    m_assembler.reset();
    clear_request();
}

void RecordSession::on_event(std::string_view what) {
    LOG4CPLUS_INFO(log(), m_line << ": " << std::string(what));
}

void RecordSession::reply(lr::ServerLink& link,
                          lr::Reply r,
                          uint16_t counter,
                          std::span<const uint8_t> payload) {
    lr::Message m;
    m.command = static_cast<uint16_t>(r);
    m.session = m_session.value_or(0);
    m.counter = counter;
    m.payload.assign(payload.begin(), payload.end());
    if (const auto ec = link.send(m); ec) {
        LOG4CPLUS_WARN(log(), m_line << ": reply not sent: " << ec.message());
    }
}

void RecordSession::refuse(lr::ServerLink& link, uint16_t counter, const Refusal& r) {
    LOG4CPLUS_INFO(log(),
                   m_line << ": refused counter " << counter << ": " << r.code << ' ' << r.message);
    reply(link, lr::Reply::error, counter, bytes_of(r.code + ' ' + r.message));
}

void RecordSession::on_line(lr::ServerLink& link, const lr::LineSplitter::Item& line) {
    // §4: a record the signer cannot accept is answered at once with bad_request; the
    // partial command and the request state are dropped.
    const auto bad = [&](uint16_t counter, const std::string& why) {
        m_assembler.reset();
        clear_request();
        refuse(link, counter, {"bad_request", why});
    };
    if (line.ec) {
        bad(0, "record line: " + line.ec.message());
        return;
    }
    auto rec = lr::decode_record(line.line);
    if (!rec) {
        const auto guess = guess_header(line.line);
        if (!m_session && guess.session) {
            m_session = guess.session;  // so that the client can take the refusal
        }
        bad(guess.counter, "record: " + rec.error().message());
        return;
    }
    if (!m_session) {
        m_session = rec->session;  // §4: the client's first record fixes the session id
    } else if (rec->session != *m_session) {
        bad(rec->counter, "record: session id differs from this TLS session's");
        return;
    }
    if (!lr::to_command(rec->command)) {
        bad(rec->counter,
            "record: unknown command 0x" +
                lr::to_hex(std::array<uint8_t, 2>{static_cast<uint8_t>(rec->command >> 8U),
                                                  static_cast<uint8_t>(rec->command)}));
        return;
    }
    const uint16_t counter = rec->counter;
    auto msg = m_assembler.add(std::move(rec.value()));
    if (!msg) {
        bad(counter, "record: " + msg.error().message());
        return;
    }
    if (msg->has_value()) {
        on_message(link, std::move(**msg));
    }
}

void RecordSession::on_setup(lr::Command command, const lr::Message& msg) {
    const auto name = std::string(lr::command_name(command));
    const auto too_many = [&](size_t& n, size_t limit, const char* what) {
        if (++n > limit) {
            m_failure = Refusal{
                "too_many",
                name + ": more than " + std::to_string(limit) + ' ' + what + " (protocol §7)"};
        }
    };
    if (command == lr::Command::set_request_id) {
        // setRequestId starts a new request (§5.2); what came before it is dropped.
        clear_request();
    }
    if (m_failure) {
        return;  // §5.1: the first failure is kept, the rest of the set-up is ignored
    }
    switch (command) {
        case lr::Command::add_san:
            too_many(m_sans, lr::limits::max_sans, "SANs");
            break;
        case lr::Command::add_ava:
            too_many(m_avas, lr::limits::max_avas, "AVAs");
            break;
        case lr::Command::add_proof_line:
            too_many(m_proofs, lr::limits::max_proof_lines, "proof lines");
            break;
        case lr::Command::add_serial:
            too_many(m_serials, lr::limits::max_serials, "serials");
            break;
        default:
            break;
    }
    if (!m_failure) {
        m_setup.emplace_back(msg.command, msg.payload);
    }
}

void RecordSession::on_closing(lr::ServerLink& link, lr::Command command, uint16_t counter) {
    if (m_failure) {
        const Refusal r = *m_failure;
        clear_request();
        refuse(link, counter, r);
        return;
    }
    const bool has_setup = !m_setup.empty();
    clear_request();
    switch (command) {
        case lr::Command::get_timestamp: {
            if (has_setup) {
                break;
            }
            const auto now = format_utc(std::chrono::floor<std::chrono::seconds>(m_services.now()));
            reply(link, lr::Reply::timestamp_response, counter, bytes_of(now));
            return;
        }
        case lr::Command::get_status_report: {
            if (has_setup) {
                break;
            }
            const auto json = m_services.status_json();
            reply(link, lr::Reply::status_report, counter, bytes_of(json));
            return;
        }
        default: {
            // TODO(lead): sign, logSaved, revoke and getFullCRL arrive with issues #4 and #5.
            const auto name = std::string(lr::command_name(command));
            refuse(link, counter, {"bad_request", name + ": not served by this signer version"});
            return;
        }
    }
    refuse(link,
           counter,
           {"bad_request", std::string(lr::command_name(command)) + ": takes no set-up commands"});
}

void RecordSession::on_message(lr::ServerLink& link, lr::Message msg) {
    const auto command = lr::to_command(msg.command);
    if (!command) {
        return;  // checked per record already
    }
    try {
        if (is_setup(*command)) {
            on_setup(*command, msg);
        } else {
            on_closing(link, *command, msg.counter);
        }
    } catch (const std::exception& e) {
        // style.md §5: one catch per request at the session boundary; the daemon goes on.
        const auto id = incident_id();
        LOG4CPLUS_ERROR(log(), m_line << ": incident " << id << ": " << e.what());
        clear_request();
        refuse(link, msg.counter, {"internal", "incident " + id});
    }
}

}  // namespace cassiopeia::server
