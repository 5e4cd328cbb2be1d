// Private RAII owners for GnuTLS handles and the GnuTLS error checker (docs/style.md §4, §5).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/c_handle.hpp>
#include <librecord/errors.hpp>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace librecord::gnutls {

/** The project's one C-handle deleter (librecord/c_handle.hpp). */
template <auto FreeFn>
using CFree = librecord::CFree<FreeFn>;

using SessionPtr =
    std::unique_ptr<std::remove_pointer_t<gnutls_session_t>, CFree<&::gnutls_deinit>>;
using CertCredentialsPtr = std::unique_ptr<std::remove_pointer_t<gnutls_certificate_credentials_t>,
                                           CFree<&::gnutls_certificate_free_credentials>>;
using X509CrtPtr =
    std::unique_ptr<std::remove_pointer_t<gnutls_x509_crt_t>, CFree<&::gnutls_x509_crt_deinit>>;

/** Owns the buffer of a gnutls_datum_t that GnuTLS allocated for us (an output datum). */
class Datum final {
public:
    Datum() noexcept = default;

    ~Datum() { reset(); }

    Datum(const Datum&) = delete;
    Datum& operator=(const Datum&) = delete;

    Datum(Datum&& other) noexcept : m_datum(other.m_datum) { other.m_datum = {nullptr, 0}; }

    Datum& operator=(Datum&& other) noexcept {
        if (this != &other) {
            reset();
            m_datum = other.m_datum;
            other.m_datum = {nullptr, 0};
        }
        return *this;
    }

    /** For a C call that fills the datum; frees what it held first. */
    [[nodiscard]] gnutls_datum_t* out() noexcept {
        reset();
        return &m_datum;
    }

    [[nodiscard]] std::string_view view() const noexcept {
        if (m_datum.data == nullptr) {
            return {};
        }
        // GnuTLS data are unsigned char buffers; reading them as chars is the intent.
        return {reinterpret_cast<const char*>(m_datum.data), m_datum.size};
    }

private:
    void reset() noexcept {
        if (m_datum.data != nullptr) {
            ::gnutls_free(m_datum.data);  // the macro also nulls the pointer
        }
        m_datum.size = 0;
    }

    gnutls_datum_t m_datum{nullptr, 0};
};

/** Builds a gnutls_datum_t that borrows `s` (GnuTLS only reads it). */
[[nodiscard]] inline gnutls_datum_t borrow_datum(std::string_view s) noexcept {
    // GnuTLS takes non-const unsigned char* for input data it does not modify.
    return {reinterpret_cast<unsigned char*>(const_cast<char*>(s.data())),
            static_cast<unsigned int>(s.size())};
}

/**
 * Throws cassiopeia::Error{crypto, call, gnutls_strerror(rc)} when rc is negative.
 * Non-fatal codes such as GNUTLS_E_AGAIN are the caller's business, not this checker's.
 * @return rc when it is not an error (some calls return counts).
 */
inline int check_gnutls(int rc, const char* call) {
    if (rc < 0) {
        throw cassiopeia::Error{cassiopeia::ErrorKind::crypto, call, ::gnutls_strerror(rc)};
    }
    return rc;
}

/** gnutls_strerror as a std::string, for failure reasons. */
[[nodiscard]] inline std::string error_text(int rc) {
    const char* text = ::gnutls_strerror(rc);
    return text != nullptr ? std::string{text} : "GnuTLS error " + std::to_string(rc);
}

}  // namespace librecord::gnutls
