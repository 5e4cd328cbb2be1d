// The certifier's private in-memory GnuPG home (docs/openpgp.md, "The GnuPG home").
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "gpg/private_home.hpp"

#include "gpg/gpgme_handles.hpp"
#include "logging.hpp"

#include <librecord/errors.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <sys/statfs.h>
#include <system_error>
#include <vector>

namespace cassiopeia::server::gpg {

namespace {

// statfs f_type of the memory file systems (linux/magic.h).
constexpr unsigned long tmpfs_magic = 0x01021994UL;
constexpr unsigned long ramfs_magic = 0x858458f6UL;
constexpr const char* home_prefix = "cassiopeia-gnupg-";

[[noreturn]] void refuse(const std::string& call, const std::string& what) {
    throw cassiopeia::Error{ErrorKind::config, call, what};
}

/** Overwrites the regular file `file` with zeros in place (no truncation first). */
void zero_file(const std::filesystem::path& file) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(file, ec);
    if (ec || size == 0) {
        return;
    }
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    if (!f) {
        return;  // removed below all the same
    }
    const std::vector<char> zeros(4096, '\0');
    for (uintmax_t left = size; left > 0 && f;) {
        const auto n = static_cast<std::streamsize>(std::min<uintmax_t>(left, zeros.size()));
        f.write(zeros.data(), n);
        left -= static_cast<uintmax_t>(n);
    }
    f.flush();
}

}  // namespace

bool on_memory_filesystem(const std::filesystem::path& folder) noexcept {
    struct statfs st {};

    if (::statfs(folder.c_str(), &st) != 0) {
        return false;
    }
    const auto type = static_cast<unsigned long>(st.f_type);
    return type == tmpfs_magic || type == ramfs_magic;
}

void wipe_home(const std::filesystem::path& home) {
    std::error_code ec;
    if (home.empty() || !std::filesystem::exists(std::filesystem::symlink_status(home, ec))) {
        return;
    }
    stop_agent(home);
    if (std::filesystem::is_directory(std::filesystem::symlink_status(home, ec))) {
        // The iterator does not follow symbolic links; sockets and folders are left to remove_all.
        for (auto it = std::filesystem::recursive_directory_iterator(
                 home, std::filesystem::directory_options::skip_permission_denied, ec);
             !ec && it != std::filesystem::recursive_directory_iterator();
             it.increment(ec)) {
            if (it->is_regular_file(ec) && !it->is_symlink(ec)) {
                zero_file(it->path());
            }
        }
    }
    std::filesystem::remove_all(home);
}

PrivateHome PrivateHome::create(const std::filesystem::path& base) {
    std::error_code ec;
    if (!std::filesystem::is_directory(base, ec)) {
        refuse("gnupg home", base.string() + " is not a folder");
    }
    if (!on_memory_filesystem(base)) {
        refuse("gnupg home",
               base.string() +
                   " is not on tmpfs or ramfs: the certifying key must not reach a disk "
                   "(set RUNTIME_DIRECTORY, or mount /dev/shm)");
    }
    std::string tmpl = (base / home_prefix).string() + "XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        refuse("mkdtemp", tmpl + ": " + std::error_code(errno, std::generic_category()).message());
    }
    PrivateHome home{std::filesystem::path(tmpl)};
    // mkdtemp makes it 0700 already; say so whatever the umask.
    std::filesystem::permissions(
        home.m_path, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
    return home;
}

std::filesystem::path PrivateHome::default_base() {
    const char* env = std::getenv("RUNTIME_DIRECTORY");  // NOLINT(concurrency-mt-unsafe): start-up
    if (env != nullptr && *env != '\0') {
        const std::string all{env};
        return all.substr(0, all.find(':'));  // several RuntimeDirectory= entries: the first
    }
    return "/dev/shm";
}

PrivateHome::PrivateHome(std::filesystem::path path) noexcept : m_path(std::move(path)) {}

PrivateHome::PrivateHome(PrivateHome&& other) noexcept : m_path(std::move(other.m_path)) {
    other.m_path.clear();
}

PrivateHome& PrivateHome::operator=(PrivateHome&& other) noexcept {
    if (this != &other) {
        release();
        m_path = std::move(other.m_path);
        other.m_path.clear();
    }
    return *this;
}

PrivateHome::~PrivateHome() {
    release();
}

void PrivateHome::release() noexcept {
    if (m_path.empty()) {
        return;
    }
    try {
        wipe_home(m_path);
    } catch (const std::exception& e) {
        LOG4CPLUS_ERROR(logger("cassiopeia.server.gpg"),
                        "cannot wipe the GnuPG home " << m_path.string() << ": " << e.what());
    }
    m_path.clear();
}

}  // namespace cassiopeia::server::gpg
