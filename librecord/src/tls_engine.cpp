// Sans-I/O TLS 1.3 engine on GnuTLS: mutual X.509, SAN peer names, ALPN (docs/protocol.md §3).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/tls_engine.hpp"

#include "gnutls/handles.hpp"
#include "gnutls/pkcs11_internal.hpp"

#include <librecord/errors.hpp>

#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <string_view>
#include <utility>

namespace librecord::tls {

namespace {

using gnutls::check_gnutls;
using gnutls::error_text;

/** §3: TLS 1.3 only. NORMAL keeps GnuTLS's vetted defaults for groups and ciphers. */
constexpr const char* priority_string = "NORMAL:-VERS-ALL:+VERS-TLS1.3";

/** Largest plaintext GnuTLS hands out per record (2^14). */
constexpr size_t record_chunk = 16384;

/** Bound on consecutive non-fatal GnuTLS returns that make no progress (warning alerts). */
constexpr int max_nonfatal_in_a_row = 64;

[[nodiscard]] bool is_retry(long long rc) noexcept {
    return rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED;
}

[[nodiscard]] bool ascii_iequal(std::string_view a, std::string_view b) noexcept {
    const auto lower = [](char c) noexcept {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    };
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) noexcept {
               return lower(x) == lower(y);
           });
}

/** Throws cassiopeia::Error{crypto} naming the file when a file-loading call fails. */
int check_file_call(int rc, const char* call, const std::string& path) {
    if (rc < 0) {
        throw cassiopeia::Error{cassiopeia::ErrorKind::crypto, call, error_text(rc) + ": " + path};
    }
    return rc;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Credentials

struct Credentials::Impl {
    std::unique_ptr<pkcs11::Key> token_key;  ///< a key in a token; outlives `cred`
    gnutls::CertCredentialsPtr cred;
    std::vector<uint8_t> cert_der;  ///< this side's certificate, for check_key()
};

namespace {

/**
 * This side's certificate with a key in a token (docs/hsm.md): every handshake signs through
 * pkcs11::Key, which re-opens the key after a token fault. The key is not touched here; the
 * daemon calls Credentials::check_key() once it runs as its own user.
 */
void set_token_key(Credentials::Impl& impl, const CredentialFiles& files) {
    impl.token_key = std::make_unique<pkcs11::Key>(files.key_file);
    std::array<gnutls_pcert_st, 8> pcerts{};
    unsigned n = pcerts.size();
    check_file_call(
        ::gnutls_pcert_list_import_x509_file(
            pcerts.data(), &n, files.cert_file.c_str(), GNUTLS_X509_FMT_PEM, nullptr, nullptr, 0),
        "gnutls_pcert_list_import_x509_file",
        files.cert_file);
    const auto release = [&] {
        for (unsigned i = 0; i < n; ++i) {
            ::gnutls_pcert_deinit(&pcerts.at(i));
        }
    };
    unsigned bits = 0;
    const int pk = ::gnutls_pubkey_get_pk_algorithm(pcerts.at(0).pubkey, &bits);
    impl.cert_der.assign(
        pcerts.at(0).cert.data,
        pcerts.at(0).cert.data + pcerts.at(0).cert.size);  // NOLINT(*-pointer-arithmetic)
    gnutls_privkey_t key = nullptr;
    try {
        key = pkcs11::tls_privkey(*impl.token_key, static_cast<gnutls_pk_algorithm_t>(pk), bits);
    } catch (...) {
        release();
        throw;
    }
    ::gnutls_certificate_set_flags(impl.cred.get(), GNUTLS_CERTIFICATE_SKIP_KEY_CERT_MATCH);
    const int rc = ::gnutls_certificate_set_key(
        impl.cred.get(), nullptr, 0, pcerts.data(), static_cast<int>(n), key);
    if (rc < 0) {
        release();
        ::gnutls_privkey_deinit(key);
        check_file_call(rc, "gnutls_certificate_set_key", files.cert_file);
    }
}

}  // namespace

Credentials::Credentials(const CredentialFiles& files) : m_impl(std::make_unique<Impl>()) {
    gnutls_certificate_credentials_t raw = nullptr;
    check_gnutls(::gnutls_certificate_allocate_credentials(&raw),
                 "gnutls_certificate_allocate_credentials");
    m_impl->cred.reset(raw);

    const int trusted = check_file_call(
        ::gnutls_certificate_set_x509_trust_file(raw, files.ca_file.c_str(), GNUTLS_X509_FMT_PEM),
        "gnutls_certificate_set_x509_trust_file",
        files.ca_file);
    if (trusted == 0) {
        throw cassiopeia::Error{cassiopeia::ErrorKind::crypto,
                                "gnutls_certificate_set_x509_trust_file",
                                "no CA certificate in " + files.ca_file};
    }

    // Both empty: a side without a certificate, which only tests want (the peer must refuse it).
    if (files.cert_file.empty() != files.key_file.empty()) {
        throw cassiopeia::Error{cassiopeia::ErrorKind::config,
                                "Credentials",
                                "certificate and key files must be given together"};
    }
    if (pkcs11::is_uri(files.key_file)) {
        set_token_key(*m_impl, files);
    } else if (!files.cert_file.empty()) {
        check_file_call(::gnutls_certificate_set_x509_key_file2(raw,
                                                                files.cert_file.c_str(),
                                                                files.key_file.c_str(),
                                                                GNUTLS_X509_FMT_PEM,
                                                                nullptr,
                                                                0),
                        "gnutls_certificate_set_x509_key_file2",
                        files.cert_file + ", " + files.key_file);
    }
}

Credentials::~Credentials() = default;

void Credentials::check_key() const {
    if (!m_impl->token_key) {
        return;  // a key file: GnuTLS matched it with the certificate on loading
    }
    static constexpr std::string_view probe = "cassiopeia link key check";
    const auto data = std::span(reinterpret_cast<const uint8_t*>(probe.data()), probe.size());
    std::vector<uint8_t> sig;
    try {
        sig = m_impl->token_key->sign("SHA256", data);
    } catch (const cassiopeia::Error& e) {
        throw cassiopeia::Error{cassiopeia::ErrorKind::config, "link key", e.detail()};
    }
    gnutls::X509CrtPtr crt;
    gnutls_x509_crt_t raw = nullptr;
    check_gnutls(::gnutls_x509_crt_init(&raw), "gnutls_x509_crt_init");
    crt.reset(raw);
    const gnutls_datum_t der{const_cast<uint8_t*>(m_impl->cert_der.data()),  // NOLINT(*-const-cast)
                             static_cast<unsigned>(m_impl->cert_der.size())};
    check_gnutls(::gnutls_x509_crt_import(raw, &der, GNUTLS_X509_FMT_DER),
                 "gnutls_x509_crt_import");
    gnutls_pubkey_t pub = nullptr;
    check_gnutls(::gnutls_pubkey_init(&pub), "gnutls_pubkey_init");
    const std::unique_ptr<std::remove_pointer_t<gnutls_pubkey_t>, CFree<&::gnutls_pubkey_deinit>>
        pub_owner(pub);
    check_gnutls(::gnutls_pubkey_import_x509(pub, raw, 0), "gnutls_pubkey_import_x509");
    unsigned bits = 0;
    const auto pk =
        static_cast<gnutls_pk_algorithm_t>(::gnutls_pubkey_get_pk_algorithm(pub, &bits));
    const gnutls_datum_t in{const_cast<uint8_t*>(data.data()),  // NOLINT(*-const-cast)
                            static_cast<unsigned>(data.size())};
    const gnutls_datum_t sd{const_cast<uint8_t*>(sig.data()),  // NOLINT(*-const-cast)
                            static_cast<unsigned>(sig.size())};
    const int rc =
        ::gnutls_pubkey_verify_data2(pub, ::gnutls_pk_to_sign(pk, GNUTLS_DIG_SHA256), 0, &in, &sd);
    if (rc < 0) {
        throw cassiopeia::Error{cassiopeia::ErrorKind::config,
                                "link key",
                                m_impl->token_key->uri() + " does not match the certificate"};
    }
}

std::optional<pkcs11::TokenState> Credentials::token_state() const {
    if (!m_impl->token_key) {
        return std::nullopt;
    }
    return m_impl->token_key->state();
}

// ---------------------------------------------------------------------------------------------
// Engine internals

struct Engine::Impl {
    Impl(Role r, SessionOptions opts) : role(r), options(std::move(opts)) {}

    Role role;
    SessionOptions options;
    gnutls::SessionPtr session;

    std::vector<uint8_t> in;   ///< ciphertext fed but not yet pulled by GnuTLS
    size_t in_pos = 0;         ///< bytes of `in` already pulled
    std::vector<uint8_t> out;  ///< ciphertext pushed by GnuTLS, waiting for take_output()

    std::string peer_failure;  ///< why the verify callback refused the peer
    bool peer_verified = false;
    bool handshake_done = false;
    bool peer_closed = false;
    bool bye_sent = false;
    std::error_code error;  ///< returned again by every call once the session failed

    [[nodiscard]] size_t available() const noexcept { return in.size() - in_pos; }

    /** The checks of §3 on the peer's certificate; returns why it is refused, or "". */
    [[nodiscard]] std::string check_peer() const;
};

namespace {

// GnuTLS transport callbacks (docs/style.md §4.5: noexcept, errors become the library's codes).

ssize_t push_cb(gnutls_transport_ptr_t ptr, const void* data, size_t size) noexcept {
    auto* impl = static_cast<Engine::Impl*>(ptr);
    try {
        const std::span<const uint8_t> bytes{static_cast<const uint8_t*>(data), size};
        impl->out.insert(impl->out.end(), bytes.begin(), bytes.end());
    } catch (...) {
        ::gnutls_transport_set_errno(impl->session.get(), ENOMEM);
        return -1;
    }
    return static_cast<ssize_t>(size);
}

ssize_t pull_cb(gnutls_transport_ptr_t ptr, void* data, size_t size) noexcept {
    auto* impl = static_cast<Engine::Impl*>(ptr);
    const size_t n = std::min(size, impl->available());
    if (n == 0) {
        ::gnutls_transport_set_errno(impl->session.get(), EAGAIN);
        return -1;
    }
    const auto from = std::span<const uint8_t>{impl->in}.subspan(impl->in_pos, n);
    std::copy(from.begin(), from.end(), static_cast<uint8_t*>(data));
    impl->in_pos += n;
    if (impl->in_pos == impl->in.size()) {
        impl->in.clear();
        impl->in_pos = 0;
    }
    return static_cast<ssize_t>(n);
}

/** Never waits: reports what is buffered; deadlines are the caller's (§3, §7). */
int pull_timeout_cb(gnutls_transport_ptr_t ptr, unsigned int /*ms*/) noexcept {
    const auto* impl = static_cast<const Engine::Impl*>(ptr);
    return static_cast<int>(std::min<size_t>(impl->available(), INT_MAX));
}

/** Runs inside the handshake once the peer's Certificate and CertificateVerify arrived. */
int verify_cb(gnutls_session_t session) noexcept {
    auto* impl = static_cast<Engine::Impl*>(::gnutls_session_get_ptr(session));
    if (impl == nullptr) {
        return GNUTLS_E_CERTIFICATE_ERROR;
    }
    try {
        impl->peer_failure = impl->check_peer();
    } catch (const std::exception& e) {
        impl->peer_failure = std::string{"peer check failed: "} + e.what();
    } catch (...) {
        impl->peer_failure = "peer check failed";
    }
    if (!impl->peer_failure.empty()) {
        return GNUTLS_E_CERTIFICATE_ERROR;
    }
    impl->peer_verified = true;
    return 0;
}

/** True when a subjectAltName dNSName of `crt` equals `name` (ASCII case-insensitive, no
 * wildcards, no CN fallback: §3 names the SAN only). */
bool has_dns_san(gnutls_x509_crt_t crt, std::string_view name) {
    constexpr unsigned max_sans = 1024;
    std::string buf(256, '\0');
    for (unsigned seq = 0; seq < max_sans; ++seq) {
        size_t size = buf.size();
        int rc = ::gnutls_x509_crt_get_subject_alt_name(crt, seq, buf.data(), &size, nullptr);
        if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER) {
            buf.resize(size + 1);
            size = buf.size();
            rc = ::gnutls_x509_crt_get_subject_alt_name(crt, seq, buf.data(), &size, nullptr);
        }
        if (rc < 0) {
            // GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE ends the list; anything else is malformed.
            return false;
        }
        if (rc == GNUTLS_SAN_DNSNAME && size <= buf.size() &&
            ascii_iequal(std::string_view{buf.data(), size}, name)) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string Engine::Impl::check_peer() const {
    gnutls_session_t s = session.get();
    if (options.peer_name.empty()) {
        return "no peer name configured";
    }
    if (::gnutls_certificate_type_get2(s, GNUTLS_CTYPE_PEERS) != GNUTLS_CRT_X509) {
        return "peer certificate is not X.509";
    }
    unsigned int count = 0;
    const gnutls_datum_t* certs = ::gnutls_certificate_get_peers(s, &count);
    if (certs == nullptr || count == 0) {
        return "peer sent no certificate";
    }

    // Chain to the link CA (the credentials' trust list), validity, and the key purpose:
    // the signer must be a TLS server, the client a TLS client.
    const char* purpose =
        role == Role::client ? GNUTLS_KP_TLS_WWW_SERVER : GNUTLS_KP_TLS_WWW_CLIENT;
    gnutls_typed_vdata_st vdata{};
    vdata.type = GNUTLS_DT_KEY_PURPOSE_OID;
    // GnuTLS reads the OID string through a non-const unsigned char*; it does not modify it.
    vdata.data = reinterpret_cast<unsigned char*>(const_cast<char*>(purpose));
    vdata.size = 0;
    unsigned int status = 0;
    const int rc = ::gnutls_certificate_verify_peers(s, &vdata, 1, &status);
    if (rc < 0) {
        return "peer certificate verification failed: " + error_text(rc);
    }
    if (status != 0) {
        gnutls::Datum text;
        if (::gnutls_certificate_verification_status_print(
                status, GNUTLS_CRT_X509, text.out(), 0) >= 0) {
            return "peer certificate refused: " + std::string{text.view()};
        }
        return "peer certificate refused (status " + std::to_string(status) + ")";
    }

    gnutls_x509_crt_t raw = nullptr;
    check_gnutls(::gnutls_x509_crt_init(&raw), "gnutls_x509_crt_init");
    const gnutls::X509CrtPtr crt{raw};
    if (::gnutls_x509_crt_import(crt.get(), certs, GNUTLS_X509_FMT_DER) < 0) {
        return "peer certificate cannot be parsed";
    }
    if (!has_dns_san(crt.get(), options.peer_name)) {
        return "peer certificate has no subjectAltName dNSName " + options.peer_name;
    }
    return {};
}

// ---------------------------------------------------------------------------------------------
// Engine

Engine::Engine(Role role, const Credentials& creds, SessionOptions options)
    : m_impl(std::make_unique<Impl>(role, std::move(options))) {
    const unsigned int flags =
        static_cast<unsigned int>(role == Role::client ? GNUTLS_CLIENT : GNUTLS_SERVER) |
        static_cast<unsigned int>(GNUTLS_NONBLOCK) | static_cast<unsigned int>(GNUTLS_NO_TICKETS);
    gnutls_session_t raw = nullptr;
    check_gnutls(::gnutls_init(&raw, flags), "gnutls_init");
    m_impl->session.reset(raw);

    const char* error_pos = nullptr;
    check_gnutls(::gnutls_priority_set_direct(raw, priority_string, &error_pos),
                 "gnutls_priority_set_direct");
    check_gnutls(::gnutls_credentials_set(raw, GNUTLS_CRD_CERTIFICATE, creds.impl().cred.get()),
                 "gnutls_credentials_set");

    const SessionOptions& opts = m_impl->options;
    if (role == Role::server) {
        ::gnutls_certificate_server_set_request(raw, GNUTLS_CERT_REQUIRE);
        // Do not list acceptable CAs: a client then presents whatever it holds, and a
        // certificate from another CA is refused by our verification with a clear reason
        // instead of being silently withheld by the client.
        ::gnutls_certificate_send_x509_rdn_sequence(raw, 1);
    } else if (!opts.peer_name.empty()) {
        check_gnutls(::gnutls_server_name_set(
                         raw, GNUTLS_NAME_DNS, opts.peer_name.data(), opts.peer_name.size()),
                     "gnutls_server_name_set");
    }
    if (!opts.alpn.empty()) {
        const gnutls_datum_t proto = gnutls::borrow_datum(opts.alpn);  // GnuTLS copies it
        const unsigned int alpn_flags =
            role == Role::server ? static_cast<unsigned int>(GNUTLS_ALPN_MANDATORY) : 0U;
        check_gnutls(::gnutls_alpn_set_protocols(raw, &proto, 1, alpn_flags),
                     "gnutls_alpn_set_protocols");
    }

    // The Impl outlives the session it owns, so its address is a stable callback context.
    ::gnutls_session_set_ptr(raw, m_impl.get());
    ::gnutls_session_set_verify_function(raw, &verify_cb);
    ::gnutls_transport_set_ptr(raw, m_impl.get());
    ::gnutls_transport_set_push_function(raw, &push_cb);
    ::gnutls_transport_set_pull_function(raw, &pull_cb);
    ::gnutls_transport_set_pull_timeout_function(raw, &pull_timeout_cb);
    // No GnuTLS clock: the handshake deadline of §7 is enforced by the caller.
    ::gnutls_handshake_set_timeout(raw, 0);
}

Engine::~Engine() = default;

void Engine::feed(std::span<const uint8_t> ciphertext) {
    Impl& impl = *m_impl;
    if (impl.in_pos > 0) {
        impl.in.erase(impl.in.begin(), impl.in.begin() + static_cast<std::ptrdiff_t>(impl.in_pos));
        impl.in_pos = 0;
    }
    impl.in.insert(impl.in.end(), ciphertext.begin(), ciphertext.end());
}

std::vector<uint8_t> Engine::take_output() {
    return std::exchange(m_impl->out, {});
}

namespace {

/** Alerts by which a peer refuses our certificate (RFC 8446 §6.2). */
[[nodiscard]] bool refuses_our_certificate(gnutls_alert_description_t a) {
    switch (a) {
        case GNUTLS_A_BAD_CERTIFICATE:
        case GNUTLS_A_UNSUPPORTED_CERTIFICATE:
        case GNUTLS_A_CERTIFICATE_REVOKED:
        case GNUTLS_A_CERTIFICATE_EXPIRED:
        case GNUTLS_A_CERTIFICATE_UNKNOWN:
        case GNUTLS_A_UNKNOWN_CA:
        case GNUTLS_A_ACCESS_DENIED:
        case GNUTLS_A_CERTIFICATE_REQUIRED:
            return true;
        default:
            return false;
    }
}

[[nodiscard]] std::string alert_text(gnutls_session_t s) {
    const char* name = ::gnutls_alert_get_name(::gnutls_alert_get(s));
    return name != nullptr ? name : "unknown alert";
}

[[nodiscard]] bool is_certificate_error(int rc) noexcept {
    return rc == GNUTLS_E_NO_CERTIFICATE_FOUND || rc == GNUTLS_E_CERTIFICATE_REQUIRED ||
           rc == GNUTLS_E_CERTIFICATE_ERROR || rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
}

/**
 * Why a handshake failed, for the caller (an Errc) and the operator's log: a refused peer
 * certificate is tls_peer, a missing ALPN protocol tls_alpn, anything else tls_handshake.
 */
std::pair<Errc, std::string> classify_handshake_failure(gnutls_session_t s,
                                                        int rc,
                                                        const std::string& peer_failure) {
    if (!peer_failure.empty()) {
        return {Errc::tls_peer, peer_failure};
    }
    if (is_certificate_error(rc)) {
        return {Errc::tls_peer, "peer certificate refused: " + error_text(rc)};
    }
    if (rc == GNUTLS_E_NO_APPLICATION_PROTOCOL) {
        return {Errc::tls_alpn, "peer offers no ALPN protocol " + std::string{alpn_protocol}};
    }
    if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
        const Errc code = ::gnutls_alert_get(s) == GNUTLS_A_NO_APPLICATION_PROTOCOL
                              ? Errc::tls_alpn
                              : Errc::tls_handshake;
        return {code, "peer refused the handshake: " + alert_text(s)};
    }
    return {Errc::tls_handshake, "handshake failed: " + error_text(rc)};
}

}  // namespace

std::error_code Engine::handshake() {
    switch (m_state) {
        case State::established:
            return {};
        case State::failed:
            return m_impl->error;
        case State::closed:
            return Errc::tls_closed;
        case State::handshaking:
            break;
    }
    // Records a failure: the state, the reason for logs, and the code every later call returns.
    const auto fail = [this](Errc code, std::string reason) -> std::error_code {
        m_state = State::failed;
        m_failure = std::move(reason);
        m_impl->error = make_error_code(code);
        return m_impl->error;
    };
    Impl& impl = *m_impl;
    gnutls_session_t s = impl.session.get();

    int rc = GNUTLS_E_AGAIN;
    for (int nonfatal = 0; nonfatal < max_nonfatal_in_a_row; ++nonfatal) {
        rc = ::gnutls_handshake(s);
        if (rc == GNUTLS_E_SUCCESS || is_retry(rc) || ::gnutls_error_is_fatal(rc) != 0) {
            break;
        }
        // A warning alert or similar: GnuTLS consumed input, go on.
    }
    if (is_retry(rc)) {
        return {};
    }
    if (rc != GNUTLS_E_SUCCESS) {
        auto [code, reason] = classify_handshake_failure(s, rc, impl.peer_failure);
        if (rc != GNUTLS_E_FATAL_ALERT_RECEIVED) {
            (void)::gnutls_alert_send_appropriate(s, rc);  // best effort: tell the peer why
        }
        return fail(code, std::move(reason));
    }

    impl.handshake_done = true;
    if (::gnutls_protocol_get_version(s) != GNUTLS_TLS1_3) {
        (void)::gnutls_alert_send(s, GNUTLS_AL_FATAL, GNUTLS_A_PROTOCOL_VERSION);
        return fail(Errc::tls_handshake, "negotiated a version other than TLS 1.3");
    }
    if (!impl.peer_verified) {
        // Belt and braces: the verify callback must have run and accepted the peer.
        (void)::gnutls_alert_send(s, GNUTLS_AL_FATAL, GNUTLS_A_CERTIFICATE_REQUIRED);
        return fail(Errc::tls_peer, "peer certificate was not verified");
    }
    // §3: both sides check the selected protocol after the handshake.
    gnutls_datum_t selected{nullptr, 0};
    if (::gnutls_alpn_get_selected_protocol(s, &selected) < 0) {
        (void)::gnutls_alert_send(s, GNUTLS_AL_FATAL, GNUTLS_A_NO_APPLICATION_PROTOCOL);
        return fail(Errc::tls_alpn, "no ALPN protocol selected");
    }
    // The datum borrows GnuTLS's copy; read as chars for the comparison.
    const std::string_view chosen{reinterpret_cast<const char*>(selected.data), selected.size};
    if (chosen != alpn_protocol) {
        (void)::gnutls_alert_send(s, GNUTLS_AL_FATAL, GNUTLS_A_NO_APPLICATION_PROTOCOL);
        return fail(Errc::tls_alpn, "ALPN protocol other than " + std::string{alpn_protocol});
    }
    m_state = State::established;
    return {};
}

std::error_code Engine::write(std::span<const uint8_t> plaintext) {
    if (m_state == State::failed) {
        return m_impl->error;
    }
    if (m_state == State::closed) {
        return Errc::tls_closed;
    }
    if (m_state != State::established) {
        return Errc::tls_failed;  // precondition broken: nothing can be sent before the handshake
    }
    // Records a failure: the state, the reason for logs, and the code every later call returns.
    const auto fail = [this](Errc code, std::string reason) -> std::error_code {
        m_state = State::failed;
        m_failure = std::move(reason);
        m_impl->error = make_error_code(code);
        return m_impl->error;
    };
    gnutls_session_t s = m_impl->session.get();
    size_t done = 0;
    int retries = 0;
    while (done < plaintext.size()) {
        const auto rest = plaintext.subspan(done);
        const ssize_t rc = ::gnutls_record_send(s, rest.data(), rest.size());
        if (rc > 0) {
            done += static_cast<size_t>(rc);
            retries = 0;
            continue;
        }
        // The push callback never blocks, so a retry is rare; GnuTLS wants the same call again.
        if (is_retry(rc) && ++retries < max_nonfatal_in_a_row) {
            continue;
        }
        return fail(Errc::tls_failed, "record send failed: " + error_text(static_cast<int>(rc)));
    }
    return {};
}

std::error_code Engine::read(std::vector<uint8_t>& out) {
    if (m_state == State::failed) {
        return m_impl->error;
    }
    Impl& impl = *m_impl;
    if (!impl.handshake_done) {
        return Errc::tls_failed;  // precondition broken: no keys yet
    }
    if (impl.peer_closed) {
        return Errc::tls_closed;
    }
    // Records a failure: the state, the reason for logs, and the code every later call returns.
    const auto fail = [this](Errc code, std::string reason) -> std::error_code {
        m_state = State::failed;
        m_failure = std::move(reason);
        m_impl->error = make_error_code(code);
        return m_impl->error;
    };
    gnutls_session_t s = impl.session.get();
    int nonfatal = 0;
    for (;;) {
        const size_t old_size = out.size();
        out.resize(old_size + record_chunk);
        const auto room = std::span<uint8_t>{out}.subspan(old_size);
        const ssize_t rc = ::gnutls_record_recv(s, room.data(), room.size());
        out.resize(old_size + (rc > 0 ? static_cast<size_t>(rc) : 0));
        if (rc > 0) {
            nonfatal = 0;
            continue;
        }
        if (rc == 0) {  // close_notify
            impl.peer_closed = true;
            m_state = State::closed;
            return Errc::tls_closed;
        }
        if (is_retry(rc)) {
            return {};
        }
        const int err = static_cast<int>(rc);
        if (err == GNUTLS_E_REHANDSHAKE) {
            // Cannot happen in TLS 1.3 (no renegotiation); refuse politely if it does.
            (void)::gnutls_alert_send(s, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
        }
        // Key updates are handled inside gnutls_record_recv; warning alerts come back as
        // non-fatal codes after consuming input.
        if (::gnutls_error_is_fatal(err) == 0 && ++nonfatal < max_nonfatal_in_a_row) {
            continue;
        }
        std::string reason = "record layer failed: " + error_text(err);
        if (err == GNUTLS_E_FATAL_ALERT_RECEIVED) {
            reason = "peer sent a fatal alert: " + alert_text(s);
            // In TLS 1.3 the client hears of its refused certificate only now, after its own
            // handshake finished: that is an authentication failure, not a lost session.
            if (refuses_our_certificate(::gnutls_alert_get(s))) {
                return fail(Errc::tls_peer, std::move(reason));
            }
            if (::gnutls_alert_get(s) == GNUTLS_A_NO_APPLICATION_PROTOCOL) {
                return fail(Errc::tls_alpn, std::move(reason));
            }
        }
        return fail(Errc::tls_failed, std::move(reason));
    }
}

void Engine::close() noexcept {
    if (m_state == State::failed) {
        return;
    }
    Impl& impl = *m_impl;
    if (impl.handshake_done && !impl.bye_sent) {
        // SHUT_WR: send close_notify without waiting for the peer's (nonblocking anyway).
        (void)::gnutls_bye(impl.session.get(), GNUTLS_SHUT_WR);
        impl.bye_sent = true;
    }
    m_state = State::closed;
}

}  // namespace librecord::tls
