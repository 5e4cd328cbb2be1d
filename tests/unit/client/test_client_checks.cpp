// Tests of what the client checks on its own: result files written atomically without a fixed
// temporary name, the issuer and key of an issued certificate, CRL rollback, the §7 counts.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "connection.hpp"
#include "crl/crl_store.hpp"
#include "file_output.hpp"
#include "operations.hpp"
#include "ossl/x509.hpp"
#include "temp_dir.hpp"
#include "test_pki.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <librecord/errors.hpp>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <vector>

namespace cc = cassiopeia::client;
namespace fs = std::filesystem;

namespace {

using Bytes = std::vector<uint8_t>;
using TempDir = cassiopeia::test::TempDir;

Bytes read_all(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + p.string());
    }
    return Bytes{std::istreambuf_iterator<char>(in), {}};
}

Bytes crl_fixture(const std::string& name) {
    return read_all(fs::path{CASS_SOURCE_DIR} / "tests/data/crl" / name);
}

Bytes text_bytes(const std::string& s) {
    return {s.begin(), s.end()};
}

void write_text(const fs::path& p, const std::string& s) {
    std::ofstream(p, std::ios::binary) << s;
}

size_t entries_in(const fs::path& dir) {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        (void)e;
        ++n;
    }
    return n;
}

/** `openssl req` with a link key of the unit PKI: a CSR for the key that identity certifies. */
Bytes csr_for(const std::string& key_file, const fs::path& out) {
    const std::string cmd = "openssl req -new -key '" + key_file + "' -subj /CN=csr -outform DER" +
                            " -out '" + out.string() + "' 2>/dev/null";
    BOOST_TEST_REQUIRE(std::system(cmd.c_str()) == 0);  // NOLINT(cert-env33-c): test fixture
    return read_all(out);
}

/** A certificate file (PEM) as DER, through the openssl tool. */
Bytes cert_der(const std::string& pem_file, const fs::path& out) {
    const std::string cmd =
        "openssl x509 -in '" + pem_file + "' -outform DER -out '" + out.string() + "'";
    BOOST_TEST_REQUIRE(std::system(cmd.c_str()) == 0);  // NOLINT(cert-env33-c): test fixture
    return read_all(out);
}

/** A client configuration whose line does not exist: anything that reaches it fails. */
cc::ClientConfig unreachable_line() {
    cc::ClientConfig c;
    c.line = "/nonexistent/cassiopeia-tty";
    c.tls = cassiopeia::test::link_files("client");
    c.peer_name = cassiopeia::test::link_server_name;
    c.link.handshake_timeout = std::chrono::milliseconds{200};
    return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(file_output)

BOOST_AUTO_TEST_CASE(a_symlink_at_the_old_temporary_name_is_not_followed) {
    const TempDir dir;
    const auto victim = dir.path() / "victim";
    write_text(victim, "keep");
    const auto out = dir.path() / "cert.pem";
    fs::create_symlink(victim, dir.path() / "cert.pem.tmp");
    cc::write_file_atomically(out, text_bytes("new"));
    BOOST_TEST(read_all(victim) == text_bytes("keep"), boost::test_tools::per_element());
    BOOST_TEST(read_all(out) == text_bytes("new"), boost::test_tools::per_element());
    BOOST_TEST(!fs::is_symlink(out));
}

BOOST_AUTO_TEST_CASE(a_symlink_at_the_target_is_replaced_not_written_through) {
    const TempDir dir;
    const auto victim = dir.path() / "victim";
    write_text(victim, "keep");
    const auto out = dir.path() / "out.log";
    fs::create_symlink(victim, out);
    cc::write_file_atomically(out, text_bytes("log"), 0600);
    BOOST_TEST(read_all(victim) == text_bytes("keep"), boost::test_tools::per_element());
    BOOST_TEST(!fs::is_symlink(out));
    BOOST_TEST(read_all(out) == text_bytes("log"), boost::test_tools::per_element());

    struct stat st {};

    BOOST_TEST_REQUIRE(::stat(out.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777U) == 0600U);
    BOOST_TEST(entries_in(dir.path()) == 2U);  // victim and out: no temporary file left
}

BOOST_AUTO_TEST_CASE(a_failed_write_keeps_the_old_file_and_leaves_no_temporary) {
    const TempDir dir;
    const auto out = dir.path() / "a-folder";
    fs::create_directory(out);
    write_text(out / "inside", "x");
    // rename() cannot replace a non-empty folder with a file.
    BOOST_CHECK_THROW(cc::write_file_atomically(out, text_bytes("new")), cassiopeia::Error);
    BOOST_TEST(fs::is_directory(out));
    BOOST_TEST(entries_in(dir.path()) == 1U);
    BOOST_CHECK_THROW(cc::write_file_atomically("/nonexistent/cass/out", text_bytes("x")),
                      cassiopeia::Error);
}

BOOST_AUTO_TEST_CASE(the_crl_store_refuses_a_symlinked_copy) {
    const TempDir dir;
    const auto elsewhere = dir.path() / "elsewhere.crl";
    std::ofstream(elsewhere, std::ios::binary).write("\x30\x00", 2);
    fs::create_symlink(elsewhere, dir.path() / "server_2026_1.crl");
    const cassiopeia::client::crl::CrlStore store{dir.path()};
    BOOST_CHECK_THROW((void)store.read("server_2026_1"), cassiopeia::Error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(crl_rollback)

BOOST_AUTO_TEST_CASE(an_older_crl_than_the_copy_is_refused_and_the_copy_stays) {
    const TempDir dir;
    const cassiopeia::client::crl::CrlStore store{dir.path()};
    const auto ca = crl_fixture("rsa-ca.pem");
    const auto crl2 = crl_fixture("rsa-crl-2.der");
    const auto crl3 = crl_fixture("rsa-crl-3.der");
    BOOST_TEST(cc::store_verified_crl(store, ca, "server_2026_1", crl3).ok());
    const auto rolled_back = cc::store_verified_crl(store, ca, "server_2026_1", crl2);
    BOOST_TEST((rolled_back.kind == cc::JobEnd::Kind::verification));
    BOOST_TEST(rolled_back.exit_status() == cassiopeia::exit_code::verification);
    BOOST_TEST(store.read("server_2026_1").value() == crl3, boost::test_tools::per_element());
    // The same CRL again, or a newer one, is accepted.
    BOOST_TEST(cc::store_verified_crl(store, ca, "server_2026_1", crl3).ok());
    BOOST_TEST(
        cc::store_verified_crl(store, ca, "server_2026_1", crl_fixture("rsa-crl-4.der")).ok());
}

BOOST_AUTO_TEST_CASE(a_crl_that_does_not_verify_is_never_stored) {
    const TempDir dir;
    const cassiopeia::client::crl::CrlStore store{dir.path()};
    const auto end = cc::store_verified_crl(
        store, crl_fixture("rsa-twin-ca.pem"), "server_2026_1", crl_fixture("rsa-crl-2.der"));
    BOOST_TEST((end.kind == cc::JobEnd::Kind::verification));
    BOOST_TEST(!store.read("server_2026_1").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(certificate_check)

BOOST_AUTO_TEST_CASE(accepts_only_a_certificate_of_the_named_ca_for_the_requested_key) {
    const TempDir dir;
    const auto real = cassiopeia::test::link_files("client");
    const auto rogue = cassiopeia::test::link_files("client", true);
    const auto csr = csr_for(real.key_file, dir.path() / "req.der");
    const auto cert = cert_der(real.cert_file, dir.path() / "client.der");
    const auto real_ca = read_all(real.ca_file);
    const auto rogue_ca = read_all(rogue.ca_file);
    // Issued by the named CA, for the requested key.
    BOOST_TEST(cc::ossl::check_certificate(cert, csr, "", real_ca).has_value());
    BOOST_TEST(
        cc::ossl::check_certificate(cert, csr, "", cert_der(real.ca_file, dir.path() / "ca.der"))
            .has_value());
    // The right key, but another CA's certificate was named (or the signer lied about it).
    BOOST_TEST(!cc::ossl::check_certificate(cert, csr, "", rogue_ca).has_value());
    // A certificate of another CA for another key.
    const auto rogue_cert = cert_der(rogue.cert_file, dir.path() / "rogue.der");
    BOOST_TEST(!cc::ossl::check_certificate(rogue_cert, csr, "", real_ca).has_value());
    // Not a certificate at all as issuer.
    BOOST_TEST(!cc::ossl::check_certificate(cert, csr, "", Bytes{0x30, 0x00}).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(request_limits)

namespace {

cc::SignInput request_with(size_t sans, size_t avas, size_t proofs) {
    cc::SignInput in;
    in.request_id = "cli:1";
    in.csr_der = {0x30, 0x00};
    in.profile = "server";
    in.sans.assign(sans, "DNS,a.example.org");
    in.avas.assign(avas, "O,Example");
    in.proofs.assign(proofs, "2026-11-24T12:00:00Z,domains,1,name=a.example.org");
    return in;
}

}  // namespace

BOOST_AUTO_TEST_CASE(counts_over_protocol_limits_are_refused_before_the_line) {
    const auto config = unreachable_line();
    for (const auto& in :
         {request_with(101, 0, 0), request_with(0, 33, 0), request_with(0, 0, 201), [] {
              auto r = request_with(1, 0, 1);
              r.sans.front().append(65536, 'a');
              return r;
          }()}) {
        cc::Connection conn(config);
        const auto out = cc::issue_certificate(conn, in, {});
        BOOST_TEST((out.end.kind == cc::JobEnd::Kind::usage));
        BOOST_TEST(out.end.exit_status() == cassiopeia::exit_code::usage);
        BOOST_TEST(!conn.session_open());
    }
    cc::PgpInput pgp;
    pgp.request_id = "cli:1";
    pgp.armoured_key = "key";
    pgp.proofs.assign(201, "2026-11-24T12:00:00Z,emails,1,address=a@example.org");
    cc::Connection conn(config);
    BOOST_TEST((cc::certify_openpgp_key(conn, pgp, {}).end.kind == cc::JobEnd::Kind::usage));
}

BOOST_AUTO_TEST_CASE(a_request_at_the_limits_goes_to_the_line) {
    // 100 SANs, 32 AVAs, 200 proofs are allowed: the request reaches the (missing) line.
    const auto config = unreachable_line();
    cc::Connection conn(config);
    const auto out = cc::issue_certificate(conn, request_with(100, 32, 200), {});
    BOOST_TEST((out.end.kind == cc::JobEnd::Kind::link));
}

BOOST_AUTO_TEST_CASE(a_call_in_session_never_starts_a_session) {
    // logSaved belongs to the session that holds the signed result: with none open it fails
    // as a link reset (so the whole request is replayed) without touching the line. A plain
    // call tries the line (here missing) instead.
    const auto config = unreachable_line();
    cc::Connection conn(config);
    const std::vector<cc::Step> saved{{librecord::Command::log_saved, {}}};
    const auto in_session = conn.call_in_session(saved, 2);
    BOOST_TEST((cc::link_error_of(in_session) == librecord::Errc::link_reset));
    const auto fresh = conn.call(saved, 2);
    BOOST_TEST(!fresh.ok());
    BOOST_TEST((cc::link_error_of(fresh) != librecord::Errc::link_reset));
}

BOOST_AUTO_TEST_CASE(too_many_serials_are_refused_before_the_line) {
    const TempDir dir;
    auto config = unreachable_line();
    config.crl_dir = dir.path().string();
    config.ca_certs = dir.path().string();
    cc::Connection conn(config);
    const std::vector<std::string> serials(10001, "0A");
    const auto out = cc::revoke_serials(conn, config, "server_2026_1", serials);
    BOOST_TEST((out.end.kind == cc::JobEnd::Kind::usage));
}

BOOST_AUTO_TEST_SUITE_END()
