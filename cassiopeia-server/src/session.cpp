// The record protocol on one TLS session, with pipelined signs signed in batches.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "session.hpp"

#include "crl/crl_types.hpp"
#include "incident.hpp"
#include "issuance/text.hpp"
#include "logging.hpp"
#include "util/time_util.hpp"

#include <cassiopeia/common/test_point.hpp>
#include <librecord/hex.hpp>
#include <librecord/request_id.hpp>
#include <librecord/serial_text.hpp>

#include <array>
#include <utility>

namespace cassiopeia::server {

namespace lr = librecord;

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.server.session");
    return l;
}

std::span<const uint8_t> bytes_of(std::string_view s) {
    // Text payloads are UTF-8 bytes on the wire (§4).
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// An addSerial payload: at most 20 bytes of serial in hex with colons (§5.4), a comma and
// the longest reason name; anything longer is refused and never buffered.
constexpr size_t max_serial_item = 128;

// What is wrong with an addSerial item `<serial>[,<reason>]` (§5.4, §5.6), found on arrival.
std::optional<std::string> serial_item_fault(std::string_view item) {
    const size_t comma = item.find(',');
    const std::string_view serial = item.substr(0, comma);
    if (!lr::parse_serial(serial)) {
        return "not a serial in hex (§5.4): " + echo_text(serial, 64);
    }
    if (comma != std::string_view::npos && !crl_reason_code(item.substr(comma + 1))) {
        return "reason not allowed (§5.6): " + echo_text(item.substr(comma + 1), 64);
    }
    return std::nullopt;
}

std::string_view text_of(const lr::Message& m) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
    return {reinterpret_cast<const char*>(m.payload.data()), m.payload.size()};
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

RecordSession::RecordSession(Services& services, std::string line_name)
    : m_services(services), m_line(std::move(line_name)) {
    clear_request();
}

void RecordSession::clear_request() {
    m_has_setup = false;
    m_request_id.reset();
    m_hasher = std::make_unique<RequestHasher>();
    m_sign = std::make_unique<SignRequest>();
    m_serials.clear();
    m_sign_setup = false;
    m_pgp_key.reset();
    m_failure.reset();
}

void RecordSession::fail(ErrorCode code, lr::Command command, const std::string& why) {
    if (!m_failure) {
        m_failure = librecord::refuse(code, std::string(lr::command_name(command)) + ": " + why);
    }
}

void RecordSession::on_session_start(lr::ServerLink& /*link*/) {
    m_session.reset();
    m_assembler.reset();
    m_batch.clear();
    m_waiting.clear();
    clear_request();
    LOG4CPLUS_INFO(log(), m_line << ": TLS session established");
}

void RecordSession::on_session_end(lr::ServerLink& /*link*/, std::error_code why) {
    LOG4CPLUS_INFO(log(), m_line << ": session ended (" << why.message() << ")");
    if (!m_batch.empty()) {
        // Nothing of them was signed or answered: the client sends them again (§5.1).
        LOG4CPLUS_INFO(log(), m_line << ": " << m_batch.size() << " sign(s) dropped unsigned");
    }
    m_session.reset();
    m_assembler.reset();
    m_batch.clear();
    m_waiting.clear();
    clear_request();
}

void RecordSession::on_input_done(lr::ServerLink& link) {
    sign_pending(link);
}

void RecordSession::on_event(std::string_view what) {
    LOG4CPLUS_INFO(log(), m_line << ": " << std::string(what));
}

void RecordSession::on_link_summary(std::string_view what) {
    LOG4CPLUS_WARN(log(), m_line << ": " << std::string(what));
}

void RecordSession::reply(lr::ServerLink& link,
                          lr::Reply r,
                          uint16_t counter,
                          std::span<const uint8_t> payload) {
    sign_pending(link);
    send(link, r, counter, payload);
}

void RecordSession::send(lr::ServerLink& link,
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
    refuse(link, counter, r, m_request_id.value_or(std::string()));
}

void RecordSession::refuse(lr::ServerLink& link,
                           uint16_t counter,
                           const Refusal& r,
                           const std::string& request_id) {
    sign_pending(link);
    send_refusal(link, counter, r, request_id);
}

void RecordSession::send_refusal(lr::ServerLink& link,
                                 uint16_t counter,
                                 const Refusal& r,
                                 const std::string& request_id) {
    // Messages may echo client bytes: send valid UTF-8 only, so the client can store them.
    // The one log line of a refusal (docs/operations.md, "The signer's log").
    const Refusal safe{r.code, utf8_safe(r.message)};
    LOG4CPLUS_INFO(log(),
                   m_line << ": " << (request_id.empty() ? "(no request id)" : request_id)
                          << ": refused counter " << counter << ": " << safe.payload());
    send(link, lr::Reply::error, counter, bytes_of(safe.payload()));
}

void RecordSession::on_line(lr::ServerLink& link, const lr::LineSplitter::Item& line) {
    // §4: a record the signer cannot accept is answered at once with bad_request; the
    // partial command and the request state are dropped. Results waiting for logSaved and the
    // signs held for the batch stay (§5.1): the batch is answered before the refusal.
    const auto bad = [&](uint16_t counter, const std::string& why) {
        m_assembler.reset();
        clear_request();
        refuse(link, counter, librecord::refuse(ErrorCode::bad_request, why));
    };
    if (line.ec) {
        bad(0, "record line: " + line.ec.message());
        return;
    }
    auto rec = lr::decode_record(line.line);
    if (!rec) {
        const auto peek = lr::peek_header(line.line);
        if (!m_session && peek) {
            m_session = peek->session;  // so that the client can take the refusal
        }
        bad(peek ? peek->counter : uint16_t{0}, "record: " + rec.error().message());
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

void RecordSession::on_set_profile(std::string_view text) {
    m_sign->set_profile(text);
    if (!m_sign->failure()) {
        // §5.1: an unknown profile is the first failure, not what it would refuse later.
        if (auto st = m_services.check_profile(text); !st) {
            m_failure = std::move(st).error();
        }
    }
}

void RecordSession::on_add_serial(std::string_view text) {
    constexpr auto command = lr::Command::add_serial;
    if (text.size() > max_serial_item) {
        fail(ErrorCode::bad_request, command, "longer than a serial and a reason can be");
    } else if (auto fault = serial_item_fault(text)) {
        fail(ErrorCode::bad_request, command, *fault);
    } else if (m_serials.size() >= lr::limits::max_serials) {
        fail(ErrorCode::too_many,
             command,
             "more than " + std::to_string(lr::limits::max_serials) +
                 " serials (docs/protocol.md §7)");
    } else {
        m_serials.emplace_back(text);
    }
}

void RecordSession::on_setup(lr::Command command, const lr::Message& msg) {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
    const std::string_view text{reinterpret_cast<const char*>(msg.payload.data()),
                                msg.payload.size()};
    if (command == lr::Command::set_request_id) {
        // setRequestId starts a new request (§5.2); what came before it is dropped.
        clear_request();
        m_has_setup = true;
        if (!lr::valid_request_id(text)) {
            fail(ErrorCode::bad_request, command, "not <namespace>:<decimal id>");
            return;
        }
        m_request_id = std::string(text);
        return;
    }
    m_has_setup = true;
    if (m_failure) {
        return;  // §5.1: the first failure is kept, the rest of the set-up is ignored
    }
    // §6: the request hash covers every command after setRequestId, in the order sent.
    m_hasher->add(msg.command, msg.payload);
    m_sign_setup = m_sign_setup || command != lr::Command::add_serial;
    switch (command) {
        case lr::Command::set_csr:
            m_sign->set_csr(msg.payload);
            break;
        case lr::Command::set_spkac:
            m_sign->set_spkac(text);
            break;
        case lr::Command::set_signature_type:
            m_sign->set_signature_type(text);
            break;
        case lr::Command::set_profile:
            on_set_profile(text);
            break;
        case lr::Command::ocsp_target_ca:
            m_sign->set_ocsp_target_ca(text);
            break;
        case lr::Command::wish_from:
            m_sign->wish_from(text);
            break;
        case lr::Command::wish_to:
            m_sign->wish_to(text);
            break;
        case lr::Command::add_san:
            m_sign->add_san(text);
            break;
        case lr::Command::add_ava:
            m_sign->add_ava(text);
            break;
        case lr::Command::add_proof_line:
            m_sign->add_proof_line(text);
            break;
        case lr::Command::add_serial:
            on_add_serial(text);
            break;
        case lr::Command::set_openpgp_key:
            if (m_pgp_key) {
                fail(ErrorCode::bad_request, command, "key already set");
            } else {
                m_pgp_key = std::string(text);
            }
            break;
        default:
            fail(ErrorCode::bad_request, command, "not a set-up command");
            break;
    }
    if (!m_failure && m_sign->failure()) {
        m_failure = *m_sign->failure();
    }
}

void RecordSession::on_sign(lr::ServerLink& link, uint16_t counter) {
    if (!m_request_id) {
        refuse(link,
               counter,
               librecord::refuse(ErrorCode::bad_request, "sign: no setRequestId (§5.2)"));
        return;
    }
    if (!m_serials.empty()) {
        refuse(link,
               counter,
               librecord::refuse(ErrorCode::bad_request, "sign: addSerial is for revoke"));
        return;
    }
    // §5.5: an OpenPGP key goes with profile openpgp and nothing of X.509 with it.
    constexpr std::string_view openpgp_profile = "openpgp";
    const bool pgp_profile = m_sign->profile_name() == openpgp_profile;
    if (m_pgp_key.has_value() != pgp_profile) {
        refuse(link,
               counter,
               librecord::refuse(
                   ErrorCode::bad_request,
                   "sign: setOpenPGPKey goes with setProfile openpgp, and only with it"));
        return;
    }
    if (!m_pgp_key) {
        if (const auto complete = m_sign->check_complete(); !complete) {
            refuse(link, counter, complete.error());
            return;
        }
    } else if (m_sign->key() != nullptr || !m_sign->sans().empty() || !m_sign->avas().empty()) {
        refuse(link,
               counter,
               librecord::refuse(ErrorCode::bad_request,
                                 "sign: an OpenPGP request takes no CSR, SAN or AVA"));
        return;
    }
    if (refuse_when_full(link, counter)) {
        return;
    }
    common::test_point("sign_received");
    if (m_pgp_key) {
        // OpenPGP certifies alone, after the batch (replies stay in arrival order).
        sign_pending(link);
        const auto id = *m_request_id;
        answer_sign(
            link, id, counter, m_services.certify(id, m_hasher->finish(), *m_pgp_key, *m_sign));
        return;
    }
    m_batch.push_back(Pending{*m_request_id, m_hasher->finish(), std::move(m_sign), counter});
    m_sign = std::make_unique<SignRequest>();
    if (m_batch.size() + m_waiting.size() >= WaitingResults::capacity) {
        sign_pending(link);
    }
}

bool RecordSession::refuse_when_full(lr::ServerLink& link, uint16_t counter) {
    // The batch is signed before its results and the waiting ones could pass the capacity, so
    // a held batch never makes a sign look refused that would fit once the batch is answered.
    if (m_batch.size() + m_waiting.size() < WaitingResults::capacity) {
        return false;
    }
    refuse(link,
           counter,
           librecord::refuse(ErrorCode::bad_request,
                             "sign: too many results waiting (docs/protocol.md §5.1)"));
    return true;
}

void RecordSession::answer_sign(lr::ServerLink& link,
                                const std::string& request_id,
                                uint16_t counter,
                                Refusable<Services::Signed> result) {
    if (!result) {
        send_refusal(link, counter, result.error(), request_id);
        return;
    }
    auto& signed_result = result.value();
    LOG4CPLUS_INFO(log(),
                   m_line << ": " << request_id << ": signed by " << signed_result.signing_ca);
    m_waiting.add(
        signed_result.log, std::move(signed_result.issued), std::move(signed_result.signing_ca));
    send(link, lr::Reply::set_log, counter, signed_result.log);
    common::test_point("setlog_sent");
}

void RecordSession::sign_pending(lr::ServerLink& link) {
    if (m_batch.empty()) {
        return;
    }
    const std::vector<Pending> batch = std::exchange(m_batch, {});
    std::vector<Services::SignJob> jobs;
    jobs.reserve(batch.size());
    for (const auto& p : batch) {
        jobs.push_back(Services::SignJob{p.request_id, p.request_hash, *p.request});
    }
    std::vector<Refusable<Services::Signed>> results;
    try {
        results = m_services.sign_batch(jobs);
        if (results.size() != batch.size()) {
            throw Error{ErrorKind::internal, "sign_batch", "not one result per request"};
        }
    } catch (const std::exception& e) {
        // docs/style.md §5: one incident for the batch; every sign of it is answered.
        const auto id = incident_id();
        LOG4CPLUS_ERROR(log(), m_line << ": incident " << id << ": " << e.what());
        results.assign(
            batch.size(),
            Refusable<Services::Signed>(librecord::refuse(ErrorCode::internal, "incident " + id)));
    }
    LOG4CPLUS_DEBUG(log(), m_line << ": signed a batch of " << batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
        answer_sign(link, batch[i].request_id, batch[i].counter, std::move(results[i]));
    }
}

void RecordSession::on_revoke(lr::ServerLink& link, uint16_t counter, std::string_view ca) {
    if (m_request_id || m_sign_setup) {
        refuse(link,
               counter,
               librecord::refuse(ErrorCode::bad_request, "revoke: takes only addSerial"));
        return;
    }
    if (m_serials.empty()) {
        refuse(link, counter, librecord::refuse(ErrorCode::bad_request, "revoke: no addSerial"));
        return;
    }
    auto delta = m_services.revoke(std::string(ca), m_serials);
    if (!delta) {
        refuse(link, counter, delta.error());
        return;
    }
    LOG4CPLUS_INFO(log(),
                   m_line << ": revoke on " << ca << ": " << m_serials.size() << " serial(s)");
    reply(link, lr::Reply::revoked, counter, delta.value());
}

void RecordSession::on_log_saved(lr::ServerLink& link,
                                 uint16_t counter,
                                 std::span<const uint8_t> payload) {
    if (m_waiting.empty()) {
        refuse(link,
               counter,
               librecord::refuse(ErrorCode::bad_request, "logSaved: no signed result waits"));
        return;
    }
    common::test_point("logsaved_received");
    auto released = m_waiting.release(payload);
    if (!released) {
        // §5.1 (revised): another hash is a bad_request and releases nothing.
        refuse(link,
               counter,
               librecord::refuse(ErrorCode::bad_request,
                                 "logSaved: not the SHA-256 of a waiting setLog payload "
                                 "(docs/protocol.md §5.1)"));
        return;
    }
    reply(link, lr::Reply::respond_certificate, counter, released->issued);
    reply(link, lr::Reply::signing_ca, counter, bytes_of(released->signing_ca));
    common::test_point("respond_sent");
}

void RecordSession::on_closing(lr::ServerLink& link, lr::Command command, const lr::Message& msg) {
    // Replies keep the order of the commands: a held batch is answered first (sign adds to it),
    // so its results wait before a logSaved looks for the one it releases.
    if (command != lr::Command::sign) {
        sign_pending(link);
    }
    const bool has_setup = m_has_setup;
    const uint16_t counter = msg.counter;
    if (m_failure) {
        const Refusal r = *m_failure;
        const std::string request_id = m_request_id.value_or(std::string());
        clear_request();
        refuse(link, counter, r, request_id);
        return;
    }
    const auto refuse_setup = [&] {
        refuse(link,
               counter,
               librecord::refuse(
                   ErrorCode::bad_request,
                   std::string(lr::command_name(command)) + ": takes no set-up commands"));
    };
    switch (command) {
        case lr::Command::sign:
            on_sign(link, counter);
            break;
        case lr::Command::log_saved:
            if (has_setup) {
                refuse_setup();
            } else {
                on_log_saved(link, counter, msg.payload);
            }
            break;
        case lr::Command::get_timestamp:
            if (has_setup) {
                refuse_setup();
            } else {
                const auto now =
                    format_utc(std::chrono::floor<std::chrono::seconds>(m_services.now()));
                reply(link, lr::Reply::timestamp_response, counter, bytes_of(now));
            }
            break;
        case lr::Command::get_status_report:
            if (has_setup) {
                refuse_setup();
            } else {
                reply(link, lr::Reply::status_report, counter, bytes_of(m_services.status_json()));
            }
            break;
        case lr::Command::revoke:
            on_revoke(link, counter, text_of(msg));
            break;
        case lr::Command::get_full_crl:
            if (has_setup) {
                refuse_setup();
            } else if (auto crl = m_services.full_crl(std::string(text_of(msg))); !crl) {
                refuse(link, counter, crl.error());
            } else {
                reply(link, lr::Reply::full_crl, counter, crl.value());
            }
            break;
        default:
            refuse(link,
                   counter,
                   librecord::refuse(
                       ErrorCode::bad_request,
                       std::string(lr::command_name(command)) + ": not a closing command"));
            break;
    }
    clear_request();
}

void RecordSession::on_message(lr::ServerLink& link, lr::Message msg) {
    const auto command = lr::to_command(msg.command);
    if (!command) {
        return;  // checked per record already
    }
    if (is_setup(*command)) {
        try {
            on_setup(*command, msg);
        } catch (const std::exception& e) {
            // §5.1: a set-up failure is reported once, at the closing command.
            const auto id = incident_id();
            LOG4CPLUS_ERROR(log(), m_line << ": incident " << id << ": " << e.what());
            if (!m_failure) {
                m_failure = librecord::refuse(ErrorCode::internal, "incident " + id);
            }
        }
        return;
    }
    try {
        on_closing(link, *command, msg);
    } catch (const std::exception& e) {
        // docs/style.md §5: one catch per request at the session boundary; the daemon goes on.
        const auto id = incident_id();
        LOG4CPLUS_ERROR(log(), m_line << ": incident " << id << ": " << e.what());
        clear_request();
        refuse(link, msg.counter, librecord::refuse(ErrorCode::internal, "incident " + id));
    }
}

}  // namespace cassiopeia::server
