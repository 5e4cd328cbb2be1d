// Tests of session.hpp: the signer's record protocol (§4, §5.1) over an in-memory link.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "logging.hpp"
#include "memory_duplex.hpp"
#include "session.hpp"
#include "test_pki.hpp"

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

namespace lr = librecord;
namespace cs = cassiopeia::server;
using namespace std::chrono_literals;

namespace {

/** The session logs through log4cplus: give it stderr for the whole test module. */
struct LogSetup {
    LogSetup() { cs::LoggingGuard::configure(""); }

    cs::LoggingGuard guard;
};

class FixedServices final : public cs::Services {
public:
    [[nodiscard]] std::chrono::system_clock::time_point now() const override {
        return std::chrono::sys_days{std::chrono::year{2026} / 11 / 25} + 12h + 34min + 56s;
    }

    [[nodiscard]] std::string status_json() override { return R"({"protocol": 1})"; }
};

/** A signer line serving RecordSession, and a connected client. */
class Fixture final {
public:
    Fixture()
        : m_server_creds(cassiopeia::test::link_files("server")),
          m_client_creds(cassiopeia::test::link_files("client")),
          m_session(m_services, "memory"),
          m_server(m_line.server(),
                   m_server_creds,
                   lr::tls::SessionOptions{cassiopeia::test::link_client_name},
                   options()),
          m_thread([this] { (void)m_server.serve(m_stop, m_session, 20ms); }),
          client(m_line.client(),
                 m_client_creds,
                 lr::tls::SessionOptions{cassiopeia::test::link_server_name},
                 options()) {
        BOOST_REQUIRE(!client.connect());
    }

    ~Fixture() {
        m_stop = true;
        m_thread.join();
    }

    Fixture(const Fixture&) = delete;
    Fixture& operator=(const Fixture&) = delete;

    static lr::LinkOptions options() {
        lr::LinkOptions o;
        o.handshake_timeout = 5s;
        o.io_timeout = 3s;
        return o;
    }

    void send(lr::Command c, std::string_view payload = {}) {
        BOOST_REQUIRE(!client.send(static_cast<uint16_t>(c),
                                   std::vector<uint8_t>(payload.begin(), payload.end())));
    }

    lr::Message receive() {
        auto m = client.receive();
        BOOST_REQUIRE(m.ok());
        return std::move(m.value());
    }

    /** The error code word of an `error` reply; empty if the reply is not an error. */
    static std::string error_code_of(const lr::Message& m) {
        if (m.command != static_cast<uint16_t>(lr::Reply::error)) {
            return {};
        }
        const std::string text(m.payload.begin(), m.payload.end());
        return text.substr(0, text.find(' '));
    }

private:
    cassiopeia::test::MemoryDuplex m_line;
    FixedServices m_services;
    lr::tls::Credentials m_server_creds;
    lr::tls::Credentials m_client_creds;
    cs::RecordSession m_session;
    lr::ServerLink m_server;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;

public:
    lr::ClientLink client;
};

std::string text(const lr::Message& m) {
    return {m.payload.begin(), m.payload.end()};
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(LogSetup);

BOOST_AUTO_TEST_SUITE(record_session)

BOOST_AUTO_TEST_CASE(answers_get_timestamp_with_the_signer_time) {
    Fixture f;
    f.send(lr::Command::get_timestamp);
    const auto m = f.receive();
    BOOST_TEST(m.command == static_cast<uint16_t>(lr::Reply::timestamp_response));
    BOOST_TEST(m.counter == f.client.last_counter());
    BOOST_TEST(m.session == f.client.session_id());
    BOOST_TEST(text(m) == "2026-11-25T12:34:56Z");
}

BOOST_AUTO_TEST_CASE(answers_get_status_report) {
    Fixture f;
    f.send(lr::Command::get_status_report);
    const auto m = f.receive();
    BOOST_TEST(m.command == static_cast<uint16_t>(lr::Reply::status_report));
    BOOST_TEST(text(m) == R"({"protocol": 1})");
}

BOOST_AUTO_TEST_CASE(refuses_a_record_with_a_bad_checksum_at_once_with_its_counter) {
    Fixture f;
    lr::Record r;
    r.command = static_cast<uint16_t>(lr::Command::get_timestamp);
    r.session = f.client.session_id();
    r.counter = 0x1234;
    auto line = lr::encode_record(r);
    line[line.size() - 2] = line[line.size() - 2] == '0' ? '1' : '0';  // damage the checksum
    BOOST_REQUIRE(!f.client.send_text_for_test(line));
    const auto m = f.receive();
    BOOST_TEST(Fixture::error_code_of(m) == "bad_request");
    BOOST_TEST(m.counter == 0x1234);
}

BOOST_AUTO_TEST_CASE(refuses_a_record_of_another_session) {
    Fixture f;
    f.send(lr::Command::get_timestamp);
    BOOST_REQUIRE(f.receive().command == static_cast<uint16_t>(lr::Reply::timestamp_response));
    lr::Record r;
    r.command = static_cast<uint16_t>(lr::Command::get_timestamp);
    r.session = f.client.session_id() ^ 1U;
    r.counter = 7;
    BOOST_REQUIRE(!f.client.send_text_for_test(lr::encode_record(r)));
    auto reply = f.client.receive();
    // The reply carries this TLS session's id, so the client takes it; it is an error.
    BOOST_REQUIRE(reply.ok());
    BOOST_TEST(Fixture::error_code_of(*reply) == "bad_request");
    BOOST_TEST(reply->counter == 7);
}

BOOST_AUTO_TEST_CASE(refuses_an_unknown_command) {
    Fixture f;
    BOOST_REQUIRE(!f.client.send(0x0777, {}));
    const auto m = f.receive();
    BOOST_TEST(Fixture::error_code_of(m) == "bad_request");
    BOOST_TEST(m.counter == f.client.last_counter());
}

BOOST_AUTO_TEST_CASE(refuses_a_chunk_out_of_order) {
    Fixture f;
    lr::Record r;
    r.command = static_cast<uint16_t>(lr::Command::set_csr);
    r.session = f.client.session_id();
    r.counter = 3;
    r.total_length = 0xF000 + 10;
    r.offset = 1;  // the first chunk must have offset 0
    r.payload.assign(10, 0x30);
    BOOST_REQUIRE(!f.client.send_text_for_test(lr::encode_record(r)));
    const auto m = f.receive();
    BOOST_TEST(Fixture::error_code_of(m) == "bad_request");
    BOOST_TEST(m.counter == 3);
}

BOOST_AUTO_TEST_CASE(reports_a_setup_failure_once_with_the_closing_counter) {
    Fixture f;
    f.send(lr::Command::set_request_id, "cli:1");
    for (size_t i = 0; i <= lr::limits::max_sans; ++i) {
        f.send(lr::Command::add_san, "DNS,a" + std::to_string(i) + ".example.org");
    }
    f.send(lr::Command::sign);
    const auto m = f.receive();
    BOOST_TEST(Fixture::error_code_of(m) == "too_many");
    BOOST_TEST(m.counter == f.client.last_counter());
    // The request state was cleared: the session serves the next command normally.
    f.send(lr::Command::get_timestamp);
    BOOST_TEST(f.receive().command == static_cast<uint16_t>(lr::Reply::timestamp_response));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(session_helpers)

BOOST_AUTO_TEST_CASE(guess_header_reads_the_header_of_a_damaged_line) {
    lr::Record r;
    r.counter = 0xBEEF;
    r.session = 0x01020304;
    const auto line = lr::encode_record(r);
    const auto g = cs::guess_header(line.substr(0, 19));
    BOOST_TEST(g.counter == 0xBEEF);
    BOOST_TEST(g.session.value_or(0) == 0x01020304U);
    BOOST_TEST(!cs::guess_header(line.substr(0, 18)).session.has_value());
    BOOST_TEST(cs::guess_header("").counter == 0);
    BOOST_TEST(!cs::guess_header(":zz").session.has_value());
    BOOST_TEST(!cs::guess_header("x" + line.substr(1)).session.has_value());
}

BOOST_AUTO_TEST_SUITE_END()
