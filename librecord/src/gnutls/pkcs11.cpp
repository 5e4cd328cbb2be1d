// Keys in PKCS#11 tokens through GnuTLS: module set-up, PIN, re-initialisation after a token
// fault (pkcs11.hpp, docs/hsm.md). Copyright (c) 2026 the Cassiopeia authors.
// Licence: GPL-3.0-or-later.
#include "gnutls/handles.hpp"
#include "gnutls/pkcs11_internal.hpp"

#include <librecord/errors.hpp>
#include <librecord/hex.hpp>

#include <gnutls/abstract.h>
#include <gnutls/pkcs11.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <p11-kit/pkcs11.h>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace librecord::pkcs11 {

namespace {

using gnutls::error_text;

[[noreturn]] void fail(cassiopeia::ErrorKind kind, std::string call, std::string detail) {
    throw cassiopeia::Error{kind, std::move(call), std::move(detail)};
}

/** The PIN in memory: wiped when replaced and at exit; never logged. */
class Pin final {
public:
    ~Pin() { wipe(); }

    void set(std::string value) {
        wipe();
        m_value = std::move(value);
    }

    [[nodiscard]] const std::string& value() const noexcept { return m_value; }

private:
    void wipe() noexcept {
        if (!m_value.empty()) {
            ::gnutls_memset(m_value.data(), 0, m_value.size());
            m_value.clear();
        }
    }

    std::string m_value;
};

/** The process's one PKCS#11 state; every member is guarded by `mutex`. */
struct Global {
    std::mutex mutex;
    Settings settings;
    Pin pin;
    bool configured = false;
    bool module_up = false;     ///< gnutls_pkcs11_init done (to be balanced by a deinit)
    bool needs_reinit = false;  ///< a token operation failed: re-initialise before the next
    std::set<Key::Impl*> keys;  ///< every live key, closed before the module goes down
};

Global& global() {
    static Global g;
    return g;
}

/** Reads at most a small file: the PIN, without one trailing newline. */
std::string read_pin_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        fail(cassiopeia::ErrorKind::config, "PIN file", path + ": " + std::strerror(errno));
    }

    struct ::stat st {};

    if (::fstat(fd, &st) != 0 || (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        ::close(fd);
        fail(cassiopeia::ErrorKind::config,
             "PIN file",
             path + " is accessible by group or others (chmod 0600 it)");
    }
    std::array<char, 256> buf{};
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    ::close(fd);
    std::string pin(buf.data(), n > 0 ? static_cast<size_t>(n) : 0);
    ::gnutls_memset(buf.data(), 0, buf.size());
    if (!pin.empty() && pin.back() == '\n') {
        pin.pop_back();
    }
    if (n < 0 || pin.empty() || n == static_cast<ssize_t>(buf.size()) ||
        pin.find('\n') != std::string::npos) {
        ::gnutls_memset(pin.data(), 0, pin.size());
        fail(cassiopeia::ErrorKind::config, "PIN file", path + ": not one line of 1..254 bytes");
    }
    return pin;
}

std::string pin_path(const Settings& s) {
    if (!s.pin_file.empty()) {
        return s.pin_file;
    }
    const char* creds = std::getenv("CREDENTIALS_DIRECTORY");
    if (creds == nullptr || *creds == '\0') {
        fail(
            cassiopeia::ErrorKind::config,
            "pkcs11.pin_file",
            "no PIN: set pkcs11.pin_file or the systemd credential " + std::string(pin_credential));
    }
    return (std::filesystem::path(creds) / pin_credential).string();
}

/** GnuTLS's PIN callback: the user PIN once; a second attempt is refused, not retried. */
int pin_callback(void* /*userdata*/,
                 int attempt,
                 const char* /*token_url*/,
                 const char* /*token_label*/,
                 unsigned int flags,
                 char* pin,
                 size_t pin_max) noexcept {
    const std::string& value = global().pin.value();  // the caller holds the lock
    if (attempt > 0 || (flags & (GNUTLS_PIN_WRONG | GNUTLS_PIN_SO)) != 0 ||
        value.size() + 1 > pin_max) {
        return GNUTLS_E_PKCS11_PIN_ERROR;
    }
    std::memcpy(pin, value.c_str(), value.size() + 1);
    return 0;
}

/** Loads the module (the lock is held). */
void module_up(Global& g) {
    const bool manual = !g.settings.module.empty();
    gnutls::check_gnutls(
        ::gnutls_pkcs11_init(manual ? GNUTLS_PKCS11_FLAG_MANUAL : GNUTLS_PKCS11_FLAG_AUTO, nullptr),
        "gnutls_pkcs11_init");
    g.module_up = true;
    ::gnutls_pkcs11_set_pin_function(&pin_callback, nullptr);
    if (manual) {
        const int rc = ::gnutls_pkcs11_add_provider(g.settings.module.c_str(), nullptr);
        if (rc < 0) {
            g.needs_reinit = true;
            fail(cassiopeia::ErrorKind::crypto,
                 "gnutls_pkcs11_add_provider",
                 error_text(rc) + ": " + g.settings.module);
        }
    }
}

/** Closes every key and finalises the module (the lock is held). */
void module_down(Global& g) noexcept {
    for (Key::Impl* k : g.keys) {
        k->close();
    }
    if (g.module_up) {
        ::gnutls_pkcs11_deinit();
        g.module_up = false;
    }
}

/**
 * Brings the module up when it is not, or again after a fault (the lock is held). Only here:
 * configure() loads nothing, so that a signer started as root first touches its tokens as its
 * own user.
 */
void ensure_module(Global& g) {
    if (!g.configured) {
        fail(cassiopeia::ErrorKind::config, "pkcs11", "a key in a token but no [pkcs11] set-up");
    }
    if (g.needs_reinit || !g.module_up) {
        module_down(g);
        g.needs_reinit = false;
        module_up(g);
    }
}

/** RFC 3986 percent-encoding of everything but the unreserved characters (RFC 7512 values). */
std::string percent_encode(std::string_view s) {
    std::string out;
    for (const char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(c);
        } else {
            const auto byte = static_cast<uint8_t>(c);
            out += '%' + to_hex(std::span(&byte, 1));
        }
    }
    return out;
}

/** `n` bytes of a blank-padded CK_TOKEN_INFO field, without the padding. */
std::string padded_text(const unsigned char* field, size_t n) {
    // The fields are UTF-8 text padded with blanks (PKCS#11 §3.2, CK_TOKEN_INFO).
    std::string text(reinterpret_cast<const char*>(field), n);
    text.erase(text.find_last_not_of(' ') + 1);
    return text;
}

/** Fills the token's label, serial and model from C_GetTokenInfo; present when it answers. */
void read_token_info(TokenState& s, const std::string& uri) {
    void* ptr = nullptr;
    unsigned long slot = 0;
    if (::gnutls_pkcs11_token_get_ptr(uri.c_str(), &ptr, &slot, 0) < 0 || ptr == nullptr) {
        return;
    }
    auto* module = static_cast<CK_FUNCTION_LIST*>(ptr);
    CK_TOKEN_INFO info{};
    if (module->C_GetTokenInfo(slot, &info) != CKR_OK) {
        return;
    }
    s.present = true;
    s.label = padded_text(info.label, sizeof info.label);
    s.serial = padded_text(info.serialNumber, sizeof info.serialNumber);
    s.model = padded_text(info.model, sizeof info.model);
}

}  // namespace

std::string read_pin(const Settings& settings) {
    return read_pin_file(pin_path(settings));
}

bool is_uri(std::string_view ref) noexcept {
    return ref.starts_with("pkcs11:");
}

void configure(const Settings& settings) {
    Global& g = global();
    const std::lock_guard lock(g.mutex);
    std::string pin = read_pin(settings);
    module_down(g);
    g.settings = settings;
    g.pin.set(std::move(pin));
    g.needs_reinit = false;
    g.configured = true;
}

std::unique_lock<std::mutex> lock_tokens() {
    return std::unique_lock(global().mutex);
}

// ---------------------------------------------------------------------------------------------
// Key::Impl

Key::Impl::Impl(std::string u) : uri(std::move(u)) {
    Global& g = global();
    const std::lock_guard lock(g.mutex);
    g.keys.insert(this);
}

Key::Impl::~Impl() {
    Global& g = global();
    const std::lock_guard lock(g.mutex);
    close();
    g.keys.erase(this);
}

void Key::Impl::close() noexcept {
    if (handle != nullptr) {
        ::gnutls_privkey_deinit(handle);
        handle = nullptr;
    }
}

gnutls_privkey_t Key::Impl::open() {
    ensure_module(global());
    if (handle == nullptr) {
        gnutls_privkey_t k = nullptr;
        gnutls::check_gnutls(::gnutls_privkey_init(&k), "gnutls_privkey_init");
        const int rc = ::gnutls_privkey_import_url(k, uri.c_str(), 0);
        if (rc < 0) {
            ::gnutls_privkey_deinit(k);
            failed("gnutls_privkey_import_url", rc);
        }
        handle = k;
        pk = ::gnutls_privkey_get_pk_algorithm(handle, &bits);
    }
    return handle;
}

void Key::Impl::failed(const char* call, int rc) {
    close();
    global().needs_reinit = true;
    fail(cassiopeia::ErrorKind::crypto, call, error_text(rc) + ": " + uri);
}

// ---------------------------------------------------------------------------------------------
// Key

Key::Key(std::string uri) {
    if (!is_uri(uri)) {
        fail(cassiopeia::ErrorKind::config, "pkcs11", "not a pkcs11: URI: " + uri);
    }
    m_impl = std::make_unique<Impl>(std::move(uri));
}

Key::~Key() = default;
Key::Key(Key&&) noexcept = default;
Key& Key::operator=(Key&&) noexcept = default;

const std::string& Key::uri() const noexcept {
    return m_impl->uri;
}

std::vector<uint8_t> Key::sign(std::string_view digest, std::span<const uint8_t> data) const {
    const auto lock = lock_tokens();
    gnutls_privkey_t k = m_impl->open();
    const auto dig = ::gnutls_digest_get_id(std::string(digest).c_str());
    const auto algo = ::gnutls_pk_to_sign(static_cast<gnutls_pk_algorithm_t>(m_impl->pk), dig);
    if (dig == GNUTLS_DIG_UNKNOWN || algo == GNUTLS_SIGN_UNKNOWN) {
        fail(cassiopeia::ErrorKind::crypto,
             "pkcs11 sign",
             "no signature for " + std::string(digest));
    }
    const gnutls_datum_t in{const_cast<unsigned char*>(data.data()),  // NOLINT(*-const-cast)
                            static_cast<unsigned>(data.size())};
    gnutls::Datum sig;
    const int rc = ::gnutls_privkey_sign_data2(k, algo, 0, &in, sig.out());
    if (rc < 0) {
        m_impl->failed("gnutls_privkey_sign_data2", rc);
    }
    const auto v = sig.view();
    return {v.begin(), v.end()};
}

KeyType Key::type() const {
    const auto lock = lock_tokens();
    (void)m_impl->open();
    switch (m_impl->pk) {
        case GNUTLS_PK_RSA:
            return KeyType::rsa;
        case GNUTLS_PK_ECDSA:
            return KeyType::ec;
        default:
            return KeyType::other;
    }
}

TokenState Key::state() const {
    const auto lock = lock_tokens();
    TokenState s;
    try {
        (void)m_impl->open();
        s.logged_in = true;
    } catch (const cassiopeia::Error& e) {
        s.error = e.what();
    }
    if (global().module_up) {
        read_token_info(s, uri());
    }
    return s;
}

std::string key_uri(std::string_view token_uri, std::string_view label) {
    std::string uri(token_uri);
    if (!uri.ends_with(':') && !uri.ends_with(';')) {
        uri += ';';
    }
    return uri + "object=" + percent_encode(label) + ";type=private";
}

void delete_objects(const std::string& token_uri, std::string_view label) {
    std::string uri = key_uri(token_uri, label);
    uri.erase(uri.rfind(";type=private"));
    const auto lock = lock_tokens();
    ensure_module(global());
    const int rc = ::gnutls_pkcs11_delete_url(uri.c_str(), GNUTLS_PKCS11_OBJ_FLAG_LOGIN);
    if (rc < 0) {
        fail(
            cassiopeia::ErrorKind::crypto, "gnutls_pkcs11_delete_url", error_text(rc) + ": " + uri);
    }
}

std::vector<uint8_t> generate_key(const std::string& token_uri,
                                  const std::string& label,
                                  KeyType type,
                                  unsigned bits) {
    Key existing(key_uri(token_uri, label));
    const auto lock = lock_tokens();
    ensure_module(global());
    try {
        (void)existing.impl().open();
    } catch (const cassiopeia::Error&) {
        global().needs_reinit = false;  // "not found" is what we hope for, not a token fault
    }
    if (existing.impl().handle != nullptr) {
        fail(cassiopeia::ErrorKind::config, "pkcs11", "a key labelled " + label + " exists");
    }
    const bool ec = type == KeyType::ec;
    if (!ec && type != KeyType::rsa) {
        fail(cassiopeia::ErrorKind::config, "pkcs11", "only RSA and EC keys are generated");
    }
    const unsigned size = !ec           ? bits
                          : bits == 384 ? GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP384R1)
                                        : GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1);
    gnutls::Datum spki;
    const int rc = ::gnutls_pkcs11_privkey_generate3(
        token_uri.c_str(),
        ec ? GNUTLS_PK_ECDSA : GNUTLS_PK_RSA,
        size,
        label.c_str(),
        nullptr,
        GNUTLS_X509_FMT_DER,
        spki.out(),
        GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN,
        GNUTLS_PKCS11_OBJ_FLAG_LOGIN | GNUTLS_PKCS11_OBJ_FLAG_MARK_PRIVATE |
            GNUTLS_PKCS11_OBJ_FLAG_MARK_SENSITIVE);
    if (rc < 0) {
        global().needs_reinit = true;
        fail(cassiopeia::ErrorKind::crypto,
             "gnutls_pkcs11_privkey_generate3",
             error_text(rc) + ": " + token_uri);
    }
    const auto v = spki.view();
    return {v.begin(), v.end()};
}

}  // namespace librecord::pkcs11
