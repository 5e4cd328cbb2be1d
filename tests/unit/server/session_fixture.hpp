// The test_session*.cpp fixture: RecordSession over an in-memory line, keyless Services.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

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
#include <mutex>
#include <thread>

namespace cassiopeia::test::session {

namespace lr = librecord;
namespace cs = cassiopeia::server;
using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test header

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

    /** Signs each job, distinct results per request id; counts calls and batch sizes. */
    [[nodiscard]] std::vector<cs::Refusable<Signed>> sign_batch(
        std::span<const SignJob> jobs) override {
        std::vector<cs::Refusable<Signed>> out;
        const std::lock_guard lock(m_mutex);
        m_batch_sizes.push_back(jobs.size());
        for (const auto& job : jobs) {
            const auto known = m_seen.find(job.request_id);
            if (known != m_seen.end() && known->second != job.request_hash) {
                out.emplace_back(
                    cs::Refusal{librecord::ErrorCode::request_mismatch, "another request"});
                continue;
            }
            m_seen.emplace(job.request_id, job.request_hash);
            ++signatures;
            const std::string log = "log " + job.request_id + "\n";
            std::vector<uint8_t> cert{0x30, 0x03, 0x02, 0x01, 0x01};
            cert.insert(cert.end(), job.request_id.begin(), job.request_id.end());
            out.emplace_back(Signed{{log.begin(), log.end()}, std::move(cert), "client_2026_2"});
        }
        return out;
    }

    /** The size of each sign_batch call so far, in order. */
    [[nodiscard]] std::vector<size_t> batch_sizes() const {
        const std::lock_guard lock(m_mutex);
        return m_batch_sizes;
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
    mutable std::mutex m_mutex;
    std::map<std::string, cs::Sha256Digest> m_seen;
    std::vector<size_t> m_batch_sizes;
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

    /**
     * Holds what the client writes until release_input(), which hands it to the signer in one
     * piece: the signer reads it in one read (as records that arrive together on the line).
     */
    void hold_input() {
        m_line.client().tamper = [this](std::vector<uint8_t>& bytes) {
            m_held.insert(m_held.end(), bytes.begin(), bytes.end());
            bytes.clear();
        };
    }

    void release_input() {
        m_line.client().tamper = nullptr;
        m_line.inject_to_server(m_held);
        m_held.clear();
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
    std::vector<uint8_t> m_held;
    lr::tls::Credentials m_server_creds;
    lr::tls::Credentials m_client_creds;
    cs::RecordSession m_session;
    lr::ServerLink m_server;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;

public:
    lr::ClientLink client;
};

inline std::string text(const lr::Message& m) {
    return {m.payload.begin(), m.payload.end()};
}

inline std::vector<uint8_t> csr_der() {
    std::ifstream in(std::string(CASS_SOURCE_DIR) + "/tests/data/csr/rsa2048.der",
                     std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

/** Sends a complete sign set-up for `id` with one email SAN. */
inline void send_sign_setup(Fixture& f, const std::string& id, const std::string& san) {
    f.send(lr::Command::set_request_id, id);
    const auto der = csr_der();
    BOOST_REQUIRE(!der.empty());
    BOOST_REQUIRE(!f.client.send(static_cast<uint16_t>(lr::Command::set_csr), der));
    f.send(lr::Command::set_signature_type, "sha256");
    f.send(lr::Command::set_profile, "client");
    f.send(lr::Command::add_san, "email," + san);
    f.send(lr::Command::sign);
}

inline std::string sha256_hex(const std::vector<uint8_t>& bytes) {
    return librecord::to_hex(cs::Sha256::digest(bytes), librecord::HexCase::lower);
}

}  // namespace cassiopeia::test::session
