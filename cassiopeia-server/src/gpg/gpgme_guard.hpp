// GPGME start-up for the life of main() (docs/style.md §4.3): version check and locale set-up.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

namespace cassiopeia::server {

/**
 * Initialises GPGME once, from main(), before any OpenPgpCertifier is opened: calls
 * gpgme_check_version (at least 1.18, the version we test with), hands GPGME the process's
 * LC_CTYPE/LC_MESSAGES, and checks that the OpenPGP engine (gpg) is usable. Throws
 * cassiopeia::Error{gpg} if not. Create it after setlocale() and logging, keep it alive until
 * exit. GPGME has no de-initialisation; the guard only marks the library ready.
 */
class GpgmeGuard final {
public:
    GpgmeGuard();
    ~GpgmeGuard();
    GpgmeGuard(const GpgmeGuard&) = delete;
    GpgmeGuard& operator=(const GpgmeGuard&) = delete;

    /** @return the GPGME version string, for the start-up log line. */
    [[nodiscard]] static const char* version() noexcept;

    /** @return true once a guard has been created (OpenPgpCertifier::open checks it). */
    [[nodiscard]] static bool ready() noexcept;
};

}  // namespace cassiopeia::server
