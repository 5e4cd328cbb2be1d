// Result files the client writes, replaced atomically and durably.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "file_output.hpp"

#include <librecord/errors.hpp>
#include <librecord/io/unique_fd.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdlib.h>  // NOLINT(modernize-deprecated-headers): mkostemp is POSIX, not <cstdlib>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace cassiopeia::client {

namespace {

using Fd = librecord::io::UniqueFd;

[[noreturn]] void io_error(const char* call, const std::filesystem::path& p, int err) {
    throw Error{ErrorKind::io, call, p.string() + ": " + std::strerror(err)};
}

void write_all(int fd, std::span<const uint8_t> data, const std::filesystem::path& p) {
    size_t done = 0;
    while (done < data.size()) {
        const auto rest = data.subspan(done);
        const ssize_t n = ::write(fd, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            io_error("write", p, n < 0 ? errno : EIO);
        }
        done += static_cast<size_t>(n);
    }
}

/** The folder that holds `target` ("." for a bare file name). */
std::filesystem::path folder_of(const std::filesystem::path& target) {
    const auto parent = target.parent_path();
    return parent.empty() ? std::filesystem::path{"."} : parent;
}

}  // namespace

void write_file_atomically(const std::filesystem::path& target,
                           std::span<const uint8_t> data,
                           mode_t mode) {
    const auto folder = folder_of(target);
    if (!target.has_filename()) {
        io_error("open", target, EISDIR);
    }
    // A unique name, created O_EXCL by mkostemp: a file or symlink planted at a predictable
    // name cannot redirect the write.
    std::string tmpl = (folder / ("." + target.filename().string() + ".XXXXXX")).string();
    Fd fd{::mkostemp(tmpl.data(), O_CLOEXEC)};
    if (!fd.valid()) {
        io_error("mkostemp", folder, errno);
    }
    const std::filesystem::path tmp{tmpl};
    try {
        write_all(fd.get(), data, tmp);
        if (::fchmod(fd.get(), mode) != 0) {
            io_error("fchmod", tmp, errno);
        }
        if (::fsync(fd.get()) != 0) {
            io_error("fsync", tmp, errno);
        }
        if (fd.close_now() != 0) {
            io_error("close", tmp, errno);
        }
        // rename() replaces a symlink at the target itself; it never writes through it.
        if (::rename(tmp.c_str(), target.c_str()) != 0) {
            io_error("rename", target, errno);
        }
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    // The rename is durable only once the folder's entry is on disk.
    const Fd dir{::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (!dir.valid()) {
        io_error("open", folder, errno);
    }
    if (::fsync(dir.get()) != 0) {
        io_error("fsync", folder, errno);
    }
}

}  // namespace cassiopeia::client
