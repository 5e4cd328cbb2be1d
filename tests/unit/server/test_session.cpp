// Tests of session.hpp: the signer's record protocol (§4, §5.1) over an in-memory link.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/text.hpp"
#include "session.hpp"
#include "session_fixture.hpp"

#include <boost/test/unit_test.hpp>

// NOLINTNEXTLINE(google-build-using-namespace): test file
using namespace cassiopeia::test::session;

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

BOOST_AUTO_TEST_CASE(log_saved_with_another_hash_is_refused_and_releases_nothing) {
    Fixture f;
    send_sign_setup(f, "cli:43", "a@example.org");
    const auto log = f.receive();
    BOOST_REQUIRE(log.command == static_cast<uint16_t>(lr::Reply::set_log));
    f.send(lr::Command::log_saved, std::string(64, '0'));
    // docs/protocol.md §5.1 (revised): bad_request, and the result still waits.
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    f.send(lr::Command::log_saved, sha256_hex(log.payload));
    BOOST_TEST(f.receive().command == static_cast<uint16_t>(lr::Reply::respond_certificate));
    BOOST_TEST(text(f.receive()) == "client_2026_2");
}

BOOST_AUTO_TEST_CASE(another_command_keeps_the_waiting_result) {
    Fixture f;
    send_sign_setup(f, "cli:44", "a@example.org");
    const auto log = f.receive();
    BOOST_REQUIRE(log.command == static_cast<uint16_t>(lr::Reply::set_log));
    f.send(lr::Command::get_timestamp);
    BOOST_REQUIRE(f.receive().command == static_cast<uint16_t>(lr::Reply::timestamp_response));
    f.send(lr::Command::get_status_report);
    BOOST_REQUIRE(f.receive().command == static_cast<uint16_t>(lr::Reply::status_report));
    f.send(lr::Command::log_saved, sha256_hex(log.payload));
    const auto cert = f.receive();
    BOOST_TEST(cert.command == static_cast<uint16_t>(lr::Reply::respond_certificate));
    BOOST_TEST(cert.counter == f.client.last_counter());
    BOOST_TEST(text(f.receive()) == "client_2026_2");
}

BOOST_AUTO_TEST_CASE(log_saved_after_set_up_is_refused_and_the_result_still_waits) {
    Fixture f;
    send_sign_setup(f, "cli:47", "a@example.org");
    const auto log = f.receive();
    BOOST_REQUIRE(log.command == static_cast<uint16_t>(lr::Reply::set_log));
    f.send(lr::Command::set_profile, "client");
    f.send(lr::Command::log_saved, sha256_hex(log.payload));
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    f.send(lr::Command::log_saved, sha256_hex(log.payload));
    BOOST_TEST(f.receive().command == static_cast<uint16_t>(lr::Reply::respond_certificate));
    BOOST_TEST(text(f.receive()) == "client_2026_2");
}

BOOST_AUTO_TEST_CASE(a_record_fault_keeps_the_waiting_result) {
    Fixture f;
    send_sign_setup(f, "cli:48", "a@example.org");
    const auto log = f.receive();
    BOOST_REQUIRE(log.command == static_cast<uint16_t>(lr::Reply::set_log));
    BOOST_REQUIRE(!f.client.send(0x0777, {}));  // an unknown command: a record fault (§4)
    BOOST_TEST(Fixture::error_code_of(f.receive()) == "bad_request");
    f.send(lr::Command::log_saved, sha256_hex(log.payload));
    BOOST_TEST(f.receive().command == static_cast<uint16_t>(lr::Reply::respond_certificate));
    BOOST_TEST(text(f.receive()) == "client_2026_2");
}

BOOST_AUTO_TEST_CASE(log_saved_with_nothing_waiting_is_a_bad_request) {
    Fixture f;
    f.send(lr::Command::log_saved, std::string(64, '0'));
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
