// Unit tests of the TLS engine: client and server pumped in memory, every refusal of §3.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/errors.hpp"
#include "librecord/tls_engine.hpp"
#include "softhsm_token.hpp"
#include "test_pki.hpp"

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

namespace tls = librecord::tls;
using cassiopeia::test::link_client_name;
using cassiopeia::test::link_files;
using cassiopeia::test::link_server_name;
using librecord::Errc;
using librecord::make_error_code;
using Bytes = std::vector<uint8_t>;
using State = tls::Engine::State;

namespace {

/** Handshake outcome of each side: the first error its handshake() returned, if any. */
struct Outcome {
    std::error_code client;
    std::error_code server;
};

/** A client and a server engine with their own credentials, wired only by pump(). */
struct Link {
    Link(const tls::CredentialFiles& client_files,
         const tls::CredentialFiles& server_files,
         tls::SessionOptions client_options = {link_server_name},
         tls::SessionOptions server_options = {link_client_name})
        : client_creds(std::make_unique<tls::Credentials>(client_files)),
          server_creds(std::make_unique<tls::Credentials>(server_files)),
          client(tls::Role::client, *client_creds, std::move(client_options)),
          server(tls::Role::server, *server_creds, std::move(server_options)) {}

    Link() : Link(link_files("client"), link_files("server")) {}

    /**
     * Drives both handshakes and moves ciphertext both ways until no bytes move. With
     * `max_piece` set, each feed() gets at most that many bytes (a slow, fragmenting line).
     */
    Outcome pump(size_t max_piece = 0) {
        Outcome result;
        Bytes to_server;
        Bytes to_client;
        for (int round = 0; round < 100000; ++round) {
            drive(client, result.client);
            drive(server, result.server);
            append(to_server, client.take_output());
            append(to_client, server.take_output());
            if (to_server.empty() && to_client.empty()) {
                break;
            }
            deliver(to_server, server, max_piece);
            deliver(to_client, client, max_piece);
        }
        // Reasons only for the log of a failing test; assertions use codes and states.
        if (!client.failure().empty()) {
            BOOST_TEST_MESSAGE("client failure: " << client.failure());
        }
        if (!server.failure().empty()) {
            BOOST_TEST_MESSAGE("server failure: " << server.failure());
        }
        return result;
    }

    /** Moves ciphertext that is already waiting (alerts, records) without driving anything. */
    void flush() {
        const Bytes c = client.take_output();
        server.feed(c);
        const Bytes s = server.take_output();
        client.feed(s);
    }

    static void drive(tls::Engine& e, std::error_code& first_error) {
        if (e.state() == State::handshaking) {
            const std::error_code ec = e.handshake();
            if (ec && !first_error) {
                first_error = ec;
            }
        }
    }

    static void append(Bytes& to, const Bytes& from) {
        to.insert(to.end(), from.begin(), from.end());
    }

    static void deliver(Bytes& pending, tls::Engine& to, size_t max_piece) {
        const size_t n = max_piece == 0 ? pending.size() : std::min(max_piece, pending.size());
        to.feed(std::span<const uint8_t>{pending}.first(n));
        pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n));
    }

    std::unique_ptr<tls::Credentials> client_creds;
    std::unique_ptr<tls::Credentials> server_creds;
    tls::Engine client;
    tls::Engine server;
};

Bytes pattern(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) {
        b[i] = static_cast<uint8_t>((i * 31U + seed) & 0xFFU);
    }
    return b;
}

/** Writes on `from`, delivers the ciphertext to `to`, returns what `to` decrypted. */
Bytes transfer(tls::Engine& from, tls::Engine& to, const Bytes& plaintext) {
    BOOST_REQUIRE(!from.write(plaintext));
    const Bytes ciphertext = from.take_output();
    to.feed(ciphertext);
    Bytes got;
    BOOST_REQUIRE(!to.read(got));
    return got;
}

/** A side whose handshake looked fine but whose peer refused it must not get a usable
 * session: the refusal alert makes its next read fail as an authentication failure. */
void check_cannot_use(tls::Engine& e) {
    if (e.state() == State::established) {
        Bytes got;
        const std::error_code ec = e.read(got);
        BOOST_TEST(ec == make_error_code(Errc::tls_peer));
        BOOST_TEST(got.empty());
    }
    BOOST_TEST((e.state() == State::failed));
}

tls::CredentialFiles mixed(tls::CredentialFiles identity, const tls::CredentialFiles& trust) {
    identity.ca_file = trust.ca_file;
    return identity;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(TlsCredentials)

BOOST_AUTO_TEST_CASE(loads_link_identities) {
    BOOST_CHECK_NO_THROW(tls::Credentials{link_files("server")});
    BOOST_CHECK_NO_THROW(tls::Credentials{link_files("client")});
    BOOST_CHECK_NO_THROW(tls::Credentials{link_files("client", true)});
}

BOOST_AUTO_TEST_CASE(throws_crypto_error_for_missing_files) {
    const auto is_crypto = [](const cassiopeia::Error& e) {
        return e.kind() == cassiopeia::ErrorKind::crypto;
    };
    auto files = link_files("client");
    files.ca_file += ".missing";
    BOOST_CHECK_EXCEPTION(tls::Credentials{files}, cassiopeia::Error, is_crypto);

    files = link_files("client");
    files.key_file += ".missing";
    BOOST_CHECK_EXCEPTION(tls::Credentials{files}, cassiopeia::Error, is_crypto);

    files = link_files("client");
    files.cert_file += ".missing";
    BOOST_CHECK_EXCEPTION(tls::Credentials{files}, cassiopeia::Error, is_crypto);
}

BOOST_AUTO_TEST_CASE(throws_crypto_error_when_key_does_not_match_certificate) {
    auto files = link_files("client");
    files.key_file = link_files("server").key_file;
    BOOST_CHECK_EXCEPTION(
        tls::Credentials{files}, cassiopeia::Error, [](const cassiopeia::Error& e) {
            return e.kind() == cassiopeia::ErrorKind::crypto;
        });
}

BOOST_AUTO_TEST_CASE(throws_for_certificate_without_key) {
    auto files = link_files("client");
    files.key_file.clear();
    BOOST_CHECK_THROW(tls::Credentials{files}, cassiopeia::Error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(TlsEngine)

BOOST_AUTO_TEST_CASE(handshake_establishes_both_sides) {
    Link link;
    const Outcome out = link.pump();
    BOOST_TEST(!out.client);
    BOOST_TEST(!out.server);
    BOOST_TEST((link.client.state() == State::established));
    BOOST_TEST((link.server.state() == State::established));
    BOOST_TEST(link.client.failure().empty());
    BOOST_TEST(link.server.failure().empty());
}

BOOST_AUTO_TEST_CASE(handshake_establishes_with_both_keys_in_a_token) {
    const cassiopeia::test::SoftHsmToken token;
    auto server = link_files("server");
    auto client = link_files("client");
    token.import(server.key_file, "link-server", "01");
    token.import(client.key_file, "link-client", "02");
    server.key_file = cassiopeia::test::SoftHsmToken::key_uri("link-server");
    client.key_file = cassiopeia::test::SoftHsmToken::key_uri("link-client");
    Link link(client, server);
    link.server_creds->check_key();
    BOOST_TEST(link.server_creds->token_state()->logged_in);
    BOOST_TEST(!link_files("server").key_file.empty());
    const Outcome out = link.pump();
    BOOST_TEST(!out.client);
    BOOST_TEST(!out.server);
    BOOST_TEST((link.server.state() == State::established));
}

BOOST_AUTO_TEST_CASE(a_token_key_of_another_certificate_is_refused_by_check_key) {
    const cassiopeia::test::SoftHsmToken token;
    auto server = link_files("server");
    token.import(link_files("client").key_file, "link-client", "02");
    server.key_file = cassiopeia::test::SoftHsmToken::key_uri("link-client");
    const tls::Credentials creds(server);
    try {
        creds.check_key();
        BOOST_FAIL("check_key accepted another certificate's key");
    } catch (const cassiopeia::Error& e) {
        BOOST_TEST((e.kind() == cassiopeia::ErrorKind::config));
    }
    BOOST_TEST(!tls::Credentials(link_files("server")).token_state().has_value());
}

BOOST_AUTO_TEST_CASE(handshake_completes_when_fed_one_byte_at_a_time) {
    Link link;
    const Outcome out = link.pump(1);
    BOOST_TEST(!out.client);
    BOOST_TEST(!out.server);
    BOOST_TEST((link.client.state() == State::established));
    BOOST_TEST((link.server.state() == State::established));
    BOOST_TEST(transfer(link.client, link.server, pattern(100, 1)) == pattern(100, 1),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(handshake_waits_without_input) {
    Link link;
    BOOST_TEST(!link.server.handshake());  // nothing fed yet: needs more input, no failure
    BOOST_TEST((link.server.state() == State::handshaking));
    BOOST_TEST(link.server.take_output().empty());
    BOOST_TEST(!link.client.handshake());
    BOOST_TEST((link.client.state() == State::handshaking));
    BOOST_TEST(!link.client.take_output().empty());  // the ClientHello
}

BOOST_AUTO_TEST_CASE(carries_application_data_both_ways) {
    Link link;
    link.pump();
    BOOST_REQUIRE((link.client.state() == State::established));
    BOOST_REQUIRE((link.server.state() == State::established));

    const Bytes hello{'h', 'e', 'l', 'l', 'o', '\n'};
    BOOST_TEST(transfer(link.client, link.server, hello) == hello,
               boost::test_tools::per_element());
    BOOST_TEST(transfer(link.server, link.client, hello) == hello,
               boost::test_tools::per_element());

    const Bytes big = pattern(100 * 1024, 7);
    BOOST_TEST(transfer(link.client, link.server, big) == big, boost::test_tools::per_element());
    const Bytes big2 = pattern(100 * 1024, 9);
    BOOST_TEST(transfer(link.server, link.client, big2) == big2, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(reads_records_split_across_feeds) {
    Link link;
    link.pump();
    const Bytes data = pattern(40000, 3);
    BOOST_REQUIRE(!link.client.write(data));
    const Bytes ciphertext = link.client.take_output();
    Bytes got;
    for (size_t off = 0; off < ciphertext.size(); off += 1000) {
        const size_t n = std::min<size_t>(1000, ciphertext.size() - off);
        link.server.feed(std::span<const uint8_t>{ciphertext}.subspan(off, n));
        BOOST_REQUIRE(!link.server.read(got));
    }
    BOOST_TEST(got == data, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(close_notify_gives_tls_closed_on_the_other_side) {
    Link link;
    link.pump();
    link.client.close();
    BOOST_TEST((link.client.state() == State::closed));
    BOOST_TEST(link.client.write(Bytes{1, 2, 3}) == make_error_code(Errc::tls_closed));
    link.flush();

    Bytes got;
    BOOST_TEST(link.server.read(got) == make_error_code(Errc::tls_closed));
    BOOST_TEST(got.empty());
    BOOST_TEST((link.server.state() == State::closed));
    BOOST_TEST(link.server.read(got) == make_error_code(Errc::tls_closed));

    link.server.close();
    link.flush();
    BOOST_TEST(link.client.read(got) == make_error_code(Errc::tls_closed));
}

BOOST_AUTO_TEST_CASE(data_before_close_notify_is_delivered) {
    Link link;
    link.pump();
    const Bytes last{'b', 'y', 'e'};
    BOOST_REQUIRE(!link.client.write(last));
    link.client.close();
    link.flush();
    Bytes got;
    BOOST_TEST(link.server.read(got) == make_error_code(Errc::tls_closed));
    BOOST_TEST(got == last, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(client_refuses_server_from_another_ca) {
    // The server presents a certificate with the right name from the rogue CA.
    Link link{link_files("client"), mixed(link_files("server", true), link_files("server"))};
    const Outcome out = link.pump();
    BOOST_TEST(out.client == make_error_code(Errc::tls_peer));
    BOOST_TEST((link.client.state() == State::failed));
    BOOST_TEST(!link.client.failure().empty());
    BOOST_TEST(out.server);
    BOOST_TEST((link.server.state() == State::failed));
}

BOOST_AUTO_TEST_CASE(client_refuses_server_when_it_trusts_another_ca) {
    Link link{mixed(link_files("client"), link_files("client", true)), link_files("server")};
    const Outcome out = link.pump();
    BOOST_TEST(out.client == make_error_code(Errc::tls_peer));
    BOOST_TEST((link.client.state() == State::failed));
    BOOST_TEST((link.server.state() == State::failed));
}

BOOST_AUTO_TEST_CASE(server_refuses_client_from_another_ca) {
    Link link{mixed(link_files("client", true), link_files("client")), link_files("server")};
    const Outcome out = link.pump();
    BOOST_TEST(out.server == make_error_code(Errc::tls_peer));
    BOOST_TEST((link.server.state() == State::failed));
    BOOST_TEST(!link.server.failure().empty());
    check_cannot_use(link.client);
}

BOOST_AUTO_TEST_CASE(server_refuses_client_without_certificate) {
    tls::CredentialFiles anonymous{link_files("client").ca_file, "", ""};
    Link link{anonymous, link_files("server")};
    const Outcome out = link.pump();
    BOOST_TEST(out.server == make_error_code(Errc::tls_peer));
    BOOST_TEST((link.server.state() == State::failed));
    check_cannot_use(link.client);
}

BOOST_AUTO_TEST_CASE(client_refuses_unexpected_server_name) {
    Link link{link_files("client"),
              link_files("server"),
              tls::SessionOptions{"other-signer.cassiopeia.test"}};
    const Outcome out = link.pump();
    BOOST_TEST(out.client == make_error_code(Errc::tls_peer));
    BOOST_TEST((link.client.state() == State::failed));
    BOOST_TEST((link.server.state() == State::failed));
}

BOOST_AUTO_TEST_CASE(server_refuses_unexpected_client_name) {
    Link link{link_files("client"),
              link_files("server"),
              tls::SessionOptions{link_server_name},
              tls::SessionOptions{"someone-else.cassiopeia.test"}};
    const Outcome out = link.pump();
    BOOST_TEST(out.server == make_error_code(Errc::tls_peer));
    BOOST_TEST((link.server.state() == State::failed));
    check_cannot_use(link.client);
}

BOOST_AUTO_TEST_CASE(server_refuses_client_certificate_with_wrong_san) {
    // Issued by the link CA, CN client.cassiopeia.test, but SAN DNS:other.cassiopeia.test:
    // only the SAN counts.
    Link link{link_files("client-wrongname"), link_files("server")};
    const Outcome out = link.pump();
    BOOST_TEST(out.server == make_error_code(Errc::tls_peer));
    BOOST_TEST((link.server.state() == State::failed));
    check_cannot_use(link.client);
}

BOOST_AUTO_TEST_CASE(server_refuses_client_certificate_without_client_auth_purpose) {
    // The signer's own certificate (EKU serverAuth only) presented as a client identity,
    // with the server expecting exactly that name: only the key purpose is wrong.
    auto server_as_client = link_files("server");
    Link link{server_as_client,
              link_files("server"),
              tls::SessionOptions{link_server_name},
              tls::SessionOptions{link_server_name}};
    const Outcome out = link.pump();
    BOOST_TEST(out.server == make_error_code(Errc::tls_peer));
    BOOST_TEST((link.server.state() == State::failed));
    check_cannot_use(link.client);
}

BOOST_AUTO_TEST_CASE(refuses_peer_when_no_peer_name_is_configured) {
    Link link{link_files("client"),
              link_files("server"),
              tls::SessionOptions{link_server_name},
              tls::SessionOptions{""}};
    const Outcome out = link.pump();
    BOOST_TEST(out.server == make_error_code(Errc::tls_peer));
    check_cannot_use(link.client);
}

BOOST_AUTO_TEST_CASE(server_refuses_client_offering_no_alpn) {
    Link link{
        link_files("client"), link_files("server"), tls::SessionOptions{link_server_name, ""}};
    const Outcome out = link.pump();
    BOOST_TEST(out.server == make_error_code(Errc::tls_alpn));
    BOOST_TEST((link.server.state() == State::failed));
    BOOST_TEST(out.client == make_error_code(Errc::tls_alpn));
    BOOST_TEST((link.client.state() == State::failed));
}

BOOST_AUTO_TEST_CASE(server_refuses_client_offering_another_alpn) {
    Link link{link_files("client"),
              link_files("server"),
              tls::SessionOptions{link_server_name, "http/1.1"}};
    const Outcome out = link.pump();
    BOOST_TEST(out.server == make_error_code(Errc::tls_alpn));
    BOOST_TEST((link.server.state() == State::failed));
    BOOST_TEST(out.client == make_error_code(Errc::tls_alpn));
    BOOST_TEST((link.client.state() == State::failed));
}

BOOST_AUTO_TEST_CASE(both_refuse_a_session_that_selected_another_alpn) {
    // Both sides agree on a protocol, but not on cassiopeia/1: each checks the selection.
    Link link{link_files("client"),
              link_files("server"),
              tls::SessionOptions{link_server_name, "http/1.1"},
              tls::SessionOptions{link_client_name, "http/1.1"}};
    const Outcome out = link.pump();
    BOOST_TEST(out.client == make_error_code(Errc::tls_alpn));
    BOOST_TEST((link.client.state() == State::failed));
    BOOST_TEST(out.server == make_error_code(Errc::tls_alpn));
    BOOST_TEST((link.server.state() == State::failed));
}

BOOST_AUTO_TEST_CASE(client_refuses_server_selecting_no_alpn) {
    Link link{link_files("client"),
              link_files("server"),
              tls::SessionOptions{link_server_name},
              tls::SessionOptions{link_client_name, ""}};
    const Outcome out = link.pump();
    BOOST_TEST(out.client == make_error_code(Errc::tls_alpn));
    BOOST_TEST((link.client.state() == State::failed));
    BOOST_TEST((link.server.state() == State::failed));
}

BOOST_AUTO_TEST_CASE(corrupted_ciphertext_fails_the_read) {
    Link link;
    link.pump();
    BOOST_REQUIRE((link.server.state() == State::established));
    BOOST_REQUIRE(!link.client.write(pattern(64, 5)));
    Bytes ciphertext = link.client.take_output();
    BOOST_REQUIRE(ciphertext.size() > 10);
    ciphertext[ciphertext.size() / 2] ^= 0x01U;
    link.server.feed(ciphertext);
    Bytes got;
    BOOST_TEST(link.server.read(got) == make_error_code(Errc::tls_failed));
    BOOST_TEST(got.empty());
    BOOST_TEST((link.server.state() == State::failed));
    BOOST_TEST(!link.server.failure().empty());
    // The failure sticks.
    BOOST_TEST(link.server.read(got) == make_error_code(Errc::tls_failed));
    BOOST_TEST(link.server.write(Bytes{1}) == make_error_code(Errc::tls_failed));
}

BOOST_AUTO_TEST_CASE(garbage_instead_of_a_handshake_fails_it) {
    Link link;
    const Bytes garbage = pattern(200, 11);
    link.server.feed(garbage);
    BOOST_TEST(link.server.handshake() == make_error_code(Errc::tls_handshake));
    BOOST_TEST((link.server.state() == State::failed));
    BOOST_TEST(link.server.handshake() == make_error_code(Errc::tls_handshake));
}

BOOST_AUTO_TEST_CASE(write_before_handshake_is_refused) {
    Link link;
    BOOST_TEST(link.client.write(Bytes{1, 2}) == make_error_code(Errc::tls_failed));
    BOOST_TEST(link.client.take_output().empty());
}

BOOST_AUTO_TEST_SUITE_END()
