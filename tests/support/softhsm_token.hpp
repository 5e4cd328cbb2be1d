// SoftHsmToken: a throwaway SoftHSM2 token in a temp folder for one test, with keys imported
// from PEM files and this process's PKCS#11 set up for it (docs/hsm.md).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "temp_dir.hpp"

#include <librecord/pkcs11.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <stdlib.h>  // setenv (POSIX)
#include <string>
#include <sys/stat.h>

namespace cassiopeia::test {

/** Debian's SoftHSM2 module (package softhsm2). */
inline constexpr const char* softhsm_module = "/usr/lib/softhsm/libsofthsm2.so";

class SoftHsmToken final {
public:
    static constexpr const char* pin = "20261207";
    static constexpr const char* label = "cass-unit";

    SoftHsmToken() : m_dir("hsm") {
        std::filesystem::create_directory(tokens());
        const auto conf = m_dir.path() / "softhsm2.conf";
        std::ofstream(conf) << "directories.tokendir = " << tokens().string()
                            << "\nobjectstore.backend = file\nlog.level = ERROR\n";
        ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
        run("softhsm2-util --init-token --free --label " + std::string(label) + " --pin " + pin +
            " --so-pin 12345678");
        write_pin(pin);
        librecord::pkcs11::configure({softhsm_module, pin_file().string()});
    }

    ~SoftHsmToken() {
        try {
            librecord::pkcs11::configure({softhsm_module, pin_file().string()});  // module down
        } catch (...) {
            // the folder goes anyway
        }
    }

    SoftHsmToken(const SoftHsmToken&) = delete;
    SoftHsmToken& operator=(const SoftHsmToken&) = delete;

    /** Imports a PKCS#8 PEM private key as object `object` (CKA_ID `id`, two hex digits). */
    void import(const std::string& pem_file,
                const std::string& object,
                const std::string& id) const {
        run("softhsm2-util --import " + pem_file + " --token " + label + " --label " + object +
            " --id " + id + " --pin " + pin);
    }

    [[nodiscard]] static std::string token_uri() { return std::string("pkcs11:token=") + label; }

    [[nodiscard]] static std::string key_uri(const std::string& object) {
        return librecord::pkcs11::key_uri(token_uri(), object);
    }

    [[nodiscard]] std::filesystem::path pin_file() const { return m_dir.path() / "pin"; }

    /** Writes `value` as the PIN file, mode 0600. */
    void write_pin(const std::string& value) const {
        std::ofstream(pin_file(), std::ios::trunc) << value << '\n';
        std::filesystem::permissions(
            pin_file(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    }

    /** Takes the token away (its folder moved aside), as a token pulled from its reader. */
    void pull() const { std::filesystem::rename(tokens(), m_dir.path() / "away"); }

    /** Puts it back. */
    void plug() const { std::filesystem::rename(m_dir.path() / "away", tokens()); }

    [[nodiscard]] const std::filesystem::path& dir() const noexcept { return m_dir.path(); }

private:
    [[nodiscard]] std::filesystem::path tokens() const { return m_dir.path() / "tokens"; }

    static void run(const std::string& command) {
        if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) {  // NOLINT(cert-env33-c)
            throw std::runtime_error("failed: " + command);
        }
    }

    TempDir m_dir;
};

}  // namespace cassiopeia::test
