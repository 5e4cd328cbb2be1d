// SecretBytes: key material read from a file, wiped when it goes.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "secret_bytes.hpp"

#include <librecord/errors.hpp>

#include <openssl/crypto.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cassiopeia::server {

SecretBytes::~SecretBytes() {
    wipe();
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept : m_bytes(std::move(other.m_bytes)) {
    other.wipe();
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
        wipe();
        m_bytes = std::move(other.m_bytes);
        other.wipe();
    }
    return *this;
}

void SecretBytes::wipe() noexcept {
    ::OPENSSL_cleanse(m_bytes.data(), m_bytes.size());
    m_bytes.clear();
}

SecretBytes SecretBytes::read_file(const std::string& path) {
    constexpr off_t max_size = 1 << 20;  // a key file; anything larger is not one
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        throw Error(ErrorKind::config, "open", path + ": " + std::strerror(errno));
    }

    struct stat st {};

    SecretBytes out;
    bool ok = ::fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size <= max_size;
    if (ok) {
        out.m_bytes.resize(static_cast<size_t>(st.st_size));  // the one allocation
        size_t done = 0;
        while (ok && done < out.m_bytes.size()) {
            const auto n =
                // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic)
                ::read(fd, out.m_bytes.data() + done, out.m_bytes.size() - done);
            ok = n > 0;
            done += ok ? static_cast<size_t>(n) : 0;
        }
    }
    ::close(fd);
    if (!ok) {
        throw Error(ErrorKind::config, "read", "cannot read the key file " + path);
    }
    return out;
}

}  // namespace cassiopeia::server
