// The client's CRL folder: one `<ca>.crl` (DER) per CA, replaced atomically
// (docs/protocol.md §5.6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "crl/crl_store.hpp"

#include "file_output.hpp"

#include <librecord/errors.hpp>
#include <librecord/io/unique_fd.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <iterator>
#include <string>
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
    // The store only ever renames regular files into place: a symlink there is not a copy.
    const Fd fd{::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
    if (!fd.valid()) {
        if (errno == ENOENT) {
            return std::nullopt;
        }
        io_error("open", p, errno);
    }
    std::vector<uint8_t> out;
    std::array<uint8_t, 16384> buf{};
    while (true) {
        const ssize_t n = ::read(fd.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            io_error("read", p, errno);
        }
        if (n == 0) {
            return out;
        }
        out.insert(out.end(), buf.begin(), std::next(buf.begin(), n));
    }
}

void CrlStore::write(std::string_view ca, std::span<const uint8_t> der) const {
    write_file_atomically(path_for(ca), der, 0644);
}

}  // namespace cassiopeia::client::crl
