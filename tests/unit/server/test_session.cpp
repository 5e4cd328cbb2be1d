// Tests of session.hpp: the signer's record protocol (§4, §5.1) over an in-memory link.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/text.hpp"
#include "logging.hpp"
#include "memory_duplex.hpp"
#include "session.hpp"
#include "test_pki.hpp"

#include <librecord/hex.hpp>

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <fstream>
#include <iterator>
#include <map>
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

    [[nodiscard]] cs::Status check_profile(std::string_view name) const override {
        if (name == "root") {
            return cs::Refusal{librecord::ErrorCode::profile_local_only, "local only"};
        }
        if (name != "client" && name != "server" && name != "openpgp") {
            return cs::Refusal{librecord::ErrorCode::unknown_profile, "no such profile"};
        }
        return cs::ok_status();
    }

    [[nodiscard]] cs::Refusable<Signed> sign(const std::string& request_id,
                                             const cs::Sha256Digest& request_hash,
                                             const cs::SignRequest& /*request*/) override {
        const auto known = m_seen.find(request_id);
        if (known != m_seen.end() && known->second != request_hash) {
            return cs::Refusal{librecord::ErrorCode::request_mismatch, "another request"};
        }
        m_seen.emplace(request_id, request_hash);
        ++signatures;
        return Signed{{'l', 'o', 'g', '\n'}, {0x30, 0x03, 0x02, 0x01, 0x01}, "client_2026_2"};
    }

    [[nodiscard]] cs::Refusable<Signed> certify(const std::string& /*request_id*/,
                                                const cs::Sha256Digest& /*request_hash*/,
                                                std::string_view armoured_key,
                                                const cs::SignRequest& request) override {
        ++certifications;
        last_key = std::string(armoured_key);
        last_proofs = request.proofs().size();
        return Signed{{'p', 'g', 'p', '\n'}, {'-', '-'}, "Cassiopeia Test Certifier"};
    }

    [[nodiscard]] cs::Refusable<std::vector<uint8_t>> revoke(
        const std::string& ca, const std::vector<std::string>& serials) override {
        if (ca != "client_2026_2") {
            return cs::Refusal{librecord::ErrorCode::unknown_ca, "no such CA"};
        }
        last_serials = serials;
        return std::vector<uint8_t>{0x30, 0x00};
    }

    [[nodiscard]] cs::Refusable<std::vector<uint8_t>> full_crl(const std::string& ca) override {
        if (ca != "client_2026_2") {
            // Echoes the client's bytes as they came: the session must make them safe.
            return cs::Refusal{librecord::ErrorCode::unknown_ca, "no CRL for " + ca};
        }
        return std::vector<uint8_t>{0x30, 0x01, 0x00};
    }

    std::atomic<int> signatures{0};
    std::atomic<int> certifications{0};
    std::string last_key;
    size_t last_proofs = 0;
    std::vector<std::string> last_serials;

private:
    std::map<std::string, cs::Sha256Digest> m_seen;
};

/** A signer line serving RecordSession, and a connected client. */
class Fixture final {
public:
    Fixture()
        : m_server_creds(cassiopeia::test::link_files("server")),
          m_client_creds(cassiopeia::test::link_files("client")),
          m_session(services, "memory"),
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

    FixedServices services;

private:
    cassiopeia::test::MemoryDuplex m_line;
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

namespace {

std::vector<uint8_t> csr_der() {
    std::ifstream in(std::string(CASS_SOURCE_DIR) + "/tests/data/csr/rsa2048.der",
                     std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/** Sends a complete sign set-up for `id` with one email SAN. */
void send_sign_setup(Fixture& f, const std::string& id, const std::string& san) {
    f.send(lr::Command::set_request_id, id);
    const auto der = csr_der();
    BOOST_REQUIRE(!der.empty());
    BOOST_REQUIRE(!f.client.send(static_cast<uint16_t>(lr::Command::set_csr), der));
    f.send(lr::Command::set_signature_type, "sha256");
    f.send(lr::Command::set_profile, "client");
    f.send(lr::Command::add_san, "email," + san);
    f.send(lr::Command::sign);
}

std::string sha256_hex(const std::vector<uint8_t>& bytes) {
    return librecord::to_hex(cs::Sha256::digest(bytes), librecord::HexCase::lower);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sign_flow)

BOOST_AUTO_TEST_CASE(sign_then_log_saved_releases_certificate_and_ca) {
    Fixture f;
    send_sign_setup(f, "cli:42", "a@example.org");
    const auto log = f.receive();
    BOOST_REQUIRE(log.command == static_cast<uint16_t>(lr::Reply::set_log));
    BOOST_TEST(log.counter == f.client.last_counter());
    f.send(lr::Command::log_saved, sha256_hex(log.payload));
    const auto cert = f.receive();
    const auto ca = f.receive();
    BOOST_TEST(cert.command == static_cast<uint16_t>(lr::Reply::respond_certificate));
    BOOST_TEST(ca.command == static_cast<uint16_t>(lr::Reply::signing_ca));
    BOOST_TEST(cert.counter == f.client.last_counter());
    BOOST_TEST(ca.counter == f.client.last_counter());
    BOOST_TEST(text(ca) == "client_2026_2");
    BOOST_TEST(f.services.signatures.load() == 1);
}

BOOST_AUTO_TEST_CASE(sign_without_request_id_is_a_bad_request) {
    Fixture f;
    const auto der = csr_der();
    BOOST_REQUIRE(!f.client.send(static_cast<uint16_t>(lr::Command::set_csr), der));
    f.send(lr::Command::set_signature_type, "sha256");
    f.send(lr::Command::set_profile, "client");
    f.send(lr::Command::sign);
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    BOOST_TEST(f.services.signatures.load() == 0);
}

BOOST_AUTO_TEST_CASE(a_malformed_request_id_is_a_bad_request) {
    Fixture f;
    send_sign_setup(f, "cli:007", "a@example.org");
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    BOOST_TEST(f.services.signatures.load() == 0);
}

BOOST_AUTO_TEST_CASE(log_saved_with_another_hash_is_refused) {
    Fixture f;
    send_sign_setup(f, "cli:43", "a@example.org");
    BOOST_REQUIRE(f.receive().command == static_cast<uint16_t>(lr::Reply::set_log));
    f.send(lr::Command::log_saved, std::string(64, '0'));
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "log_mismatch");
}

BOOST_AUTO_TEST_CASE(another_command_discards_the_waiting_result) {
    Fixture f;
    send_sign_setup(f, "cli:44", "a@example.org");
    const auto log = f.receive();
    BOOST_REQUIRE(log.command == static_cast<uint16_t>(lr::Reply::set_log));
    f.send(lr::Command::get_timestamp);
    BOOST_REQUIRE(f.receive().command == static_cast<uint16_t>(lr::Reply::timestamp_response));
    f.send(lr::Command::log_saved, sha256_hex(log.payload));
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
}

BOOST_AUTO_TEST_CASE(a_set_up_command_discards_the_waiting_result) {
    Fixture f;
    send_sign_setup(f, "cli:47", "a@example.org");
    const auto log = f.receive();
    BOOST_REQUIRE(log.command == static_cast<uint16_t>(lr::Reply::set_log));
    f.send(lr::Command::set_profile, "client");  // any command but logSaved (§5.1)
    f.send(lr::Command::log_saved, sha256_hex(log.payload));
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    f.send(lr::Command::log_saved, sha256_hex(log.payload));
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
}

BOOST_AUTO_TEST_CASE(the_request_hash_binds_the_request_id) {
    Fixture f;
    send_sign_setup(f, "cli:45", "a@example.org");
    BOOST_REQUIRE(f.receive().command == static_cast<uint16_t>(lr::Reply::set_log));
    send_sign_setup(f, "cli:45", "a@example.org");  // the same request again: same hash
    BOOST_REQUIRE(f.receive().command == static_cast<uint16_t>(lr::Reply::set_log));
    send_sign_setup(f, "cli:45", "b@example.org");  // another request under the same id
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "request_mismatch");
}

BOOST_AUTO_TEST_CASE(an_unknown_profile_is_the_first_failure_not_what_it_would_refuse) {
    Fixture f;
    f.send(lr::Command::set_request_id, "cli:7");
    f.send(lr::Command::set_profile, "no-such-profile");
    f.send(lr::Command::add_san, "IP,192.0.2.1");  // refused on arrival, but comes second
    f.send(lr::Command::sign);
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "unknown_profile");
    f.send(lr::Command::set_request_id, "cli:8");
    f.send(lr::Command::set_profile, "root");
    f.send(lr::Command::add_san, "IP,192.0.2.1");
    f.send(lr::Command::sign);
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "profile_local_only");
    BOOST_TEST(f.services.signatures == 0);
}

BOOST_AUTO_TEST_CASE(a_setup_fault_is_reported_at_sign_and_nothing_is_signed) {
    Fixture f;
    f.send(lr::Command::set_request_id, "cli:46");
    f.send(lr::Command::set_csr, "not a CSR");
    f.send(lr::Command::set_signature_type, "sha256");
    f.send(lr::Command::sign);
    const auto m = f.receive();
    BOOST_TEST(Fixture::error_code_of(m) == "bad_csr");
    BOOST_TEST(text(m).find("setCSR") != std::string::npos);
    BOOST_TEST(f.services.signatures.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(openpgp_flow)

BOOST_AUTO_TEST_CASE(certifies_a_key_under_the_openpgp_profile) {
    Fixture f;
    f.send(lr::Command::set_request_id, "webdb:7");
    f.send(lr::Command::set_openpgp_key, "-----BEGIN PGP PUBLIC KEY BLOCK-----");
    f.send(lr::Command::set_profile, "openpgp");
    f.send(lr::Command::add_proof_line, "2026-11-25T10:00:00Z,emails,1,address=a@example.org");
    f.send(lr::Command::sign);
    const auto log = f.receive();
    BOOST_REQUIRE(log.command == static_cast<uint16_t>(lr::Reply::set_log));
    f.send(lr::Command::log_saved, sha256_hex(log.payload));
    BOOST_TEST(f.receive().command == static_cast<uint16_t>(lr::Reply::respond_certificate));
    BOOST_TEST(text(f.receive()) == "Cassiopeia Test Certifier");
    BOOST_TEST(f.services.certifications.load() == 1);
    BOOST_TEST(f.services.last_key == "-----BEGIN PGP PUBLIC KEY BLOCK-----");
    BOOST_TEST(f.services.last_proofs == 1U);
    BOOST_TEST(f.services.signatures.load() == 0);
}

BOOST_AUTO_TEST_CASE(an_openpgp_key_needs_the_openpgp_profile_and_no_csr) {
    Fixture f;
    f.send(lr::Command::set_request_id, "webdb:8");
    f.send(lr::Command::set_openpgp_key, "key");
    f.send(lr::Command::set_profile, "client");
    f.send(lr::Command::sign);
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    f.send(lr::Command::set_request_id, "webdb:9");
    f.send(lr::Command::set_profile, "openpgp");
    f.send(lr::Command::sign);
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    f.send(lr::Command::set_request_id, "webdb:10");
    f.send(lr::Command::set_openpgp_key, "key");
    BOOST_REQUIRE(!f.client.send(static_cast<uint16_t>(lr::Command::set_csr), csr_der()));
    f.send(lr::Command::set_profile, "openpgp");
    f.send(lr::Command::sign);
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    BOOST_TEST(f.services.certifications.load() == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(revoke_flow)

BOOST_AUTO_TEST_CASE(revoke_passes_the_serials_and_answers_the_delta) {
    Fixture f;
    f.send(lr::Command::add_serial, "8A3F");
    f.send(lr::Command::add_serial, "01,keyCompromise");
    f.send(lr::Command::revoke, "client_2026_2");
    const auto m = f.receive();
    BOOST_TEST(m.command == static_cast<uint16_t>(lr::Reply::revoked));
    BOOST_TEST(m.counter == f.client.last_counter());
    const std::vector<std::string> want{"8A3F", "01,keyCompromise"};
    BOOST_TEST(f.services.last_serials == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(revoke_refusals) {
    Fixture f;
    f.send(lr::Command::revoke, "client_2026_2");  // no serial
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    f.send(lr::Command::add_serial, "01");
    f.send(lr::Command::revoke, "nope_2026_1");
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "unknown_ca");
    f.send(lr::Command::set_profile, "client");  // sign set-up mixed in
    f.send(lr::Command::add_serial, "01");
    f.send(lr::Command::revoke, "client_2026_2");
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    for (size_t i = 0; i <= lr::limits::max_serials; ++i) {
        f.send(lr::Command::add_serial, "01");
    }
    f.send(lr::Command::revoke, "client_2026_2");
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "too_many");
}

BOOST_AUTO_TEST_CASE(an_overlong_serial_is_refused_not_buffered) {
    Fixture f;
    f.send(lr::Command::add_serial, std::string(129, 'A'));
    f.send(lr::Command::revoke, "client_2026_2");
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    BOOST_TEST(f.services.last_serials.empty());
}

BOOST_AUTO_TEST_CASE(a_serial_that_is_not_hex_or_a_bad_reason_is_a_bad_request_on_arrival) {
    Fixture f;
    for (const char* bad : {"XYZ", "0x01", "", "01,", "01,unspecified", "8A3F,keycompromise"}) {
        f.send(lr::Command::add_serial, "01");
        f.send(lr::Command::add_serial, bad);
        f.send(lr::Command::revoke, "client_2026_2");
        BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request", bad);
        BOOST_TEST(f.services.last_serials.empty(), bad);
    }
}

BOOST_AUTO_TEST_CASE(a_refusal_that_echoes_client_bytes_is_valid_utf8) {
    Fixture f;
    // A cut inside 'é', a line break and a stray byte: PostgreSQL would refuse the raw bytes.
    f.send(lr::Command::get_full_crl, "x\xc3\xa9\xc3\nforged line \xff");
    const auto m = f.receive();
    BOOST_TEST(Fixture::error_code_of(m) == "unknown_ca");
    BOOST_TEST(cs::valid_utf8(text(m)));
    BOOST_TEST(!cs::has_forbidden_char(text(m)));
}

BOOST_AUTO_TEST_CASE(get_full_crl_answers_the_crl) {
    Fixture f;
    f.send(lr::Command::get_full_crl, "client_2026_2");
    const auto m = f.receive();
    BOOST_TEST(m.command == static_cast<uint16_t>(lr::Reply::full_crl));
    BOOST_TEST(m.payload.size() == 3U);
    f.send(lr::Command::get_full_crl, "other_2026_1");
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "unknown_ca");
}

BOOST_AUTO_TEST_SUITE_END()
