// The client's CRL folder: one `<ca>.crl` (DER) per CA, replaced atomically (protocol.md §5.6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "crl/crl_store.hpp"

#include <librecord/errors.hpp>
#include <librecord/io/unique_fd.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace cassiopeia::client::crl {

namespace {

constexpr size_t max_ca_name = 64;

[[noreturn]] void io_error(const char* call, const std::filesystem::path& p, int err) {
    throw Error{ErrorKind::io, call, p.string() + ": " + std::strerror(err)};
}

using Fd = librecord::io::UniqueFd;

}  // namespace

CrlStore::CrlStore(std::filesystem::path folder) : m_folder(std::move(folder)) {}

bool CrlStore::valid_ca_name(std::string_view ca) {
    if (ca.empty() || ca.size() > max_ca_name) {
        return false;
    }
    for (const char c : ca) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::filesystem::path CrlStore::path_for(std::string_view ca) const {
    if (!valid_ca_name(ca)) {
        throw Error{ErrorKind::config, "CrlStore", "not a CA name: " + std::string{ca}};
    }
    return m_folder / (std::string{ca} + ".crl");
}

std::optional<std::vector<uint8_t>> CrlStore::read(std::string_view ca) const {
    const auto p = path_for(ca);
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::error_code ec;
        if (!std::filesystem::exists(p, ec) && !ec) {
            return std::nullopt;
        }
        io_error("open", p, errno);
    }
    std::vector<uint8_t> out{std::istreambuf_iterator<char>(in), {}};
    if (in.bad()) {
        io_error("read", p, errno);
    }
    return out;
}

void CrlStore::write(std::string_view ca, std::span<const uint8_t> der) const {
    const auto target = path_for(ca);
    std::string tmpl = (m_folder / ("." + std::string{ca} + ".crl.XXXXXX")).string();
    Fd fd{::mkstemp(tmpl.data())};
    if (fd.get() < 0) {
        io_error("mkstemp", m_folder, errno);
    }
    const std::filesystem::path tmp{tmpl};
    try {
        size_t done = 0;
        while (done < der.size()) {
            const auto rest = der.subspan(done);
            const ssize_t n = ::write(fd.get(), rest.data(), rest.size());
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                io_error("write", tmp, errno);
            }
            done += static_cast<size_t>(n);
        }
        if (::fchmod(fd.get(), 0644) != 0) {
            io_error("fchmod", tmp, errno);
        }
        if (::fsync(fd.get()) != 0) {
            io_error("fsync", tmp, errno);
        }
        if (fd.close_now() != 0) {
            io_error("close", tmp, errno);
        }
        if (::rename(tmp.c_str(), target.c_str()) != 0) {
            io_error("rename", target, errno);
        }
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(tmp, ec);
        throw;
    }
    // The rename is durable only once the folder's entry is on disk.
    const Fd dir{::open(m_folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (dir.get() < 0) {
        io_error("open", m_folder, errno);
    }
    if (::fsync(dir.get()) != 0) {
        io_error("fsync", m_folder, errno);
    }
}

}  // namespace cassiopeia::client::crl
