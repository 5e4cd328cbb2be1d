// Files a ceremony writes (ceremony_files.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "ceremony_files.hpp"

#include <librecord/errors.hpp>
#include <librecord/io/unique_fd.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace cassiopeia::server {

void write_new_file(const std::filesystem::path& path,
                    std::string_view data,
                    mode_t mode,
                    const char* what) {
    librecord::io::UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)};
    if (!fd.valid()) {
        throw Error(
            ErrorKind::config,
            what,
            "cannot create " + path.string() + " (it must not exist yet): " + std::strerror(errno));
    }
    const auto n = ::write(fd.get(), data.data(), data.size());
    std::string why;
    if (n < 0 || static_cast<size_t>(n) != data.size()) {
        why = n < 0 ? std::strerror(errno) : "short write";
    } else if (::fsync(fd.get()) != 0 || fd.close_now() != 0) {
        why = std::strerror(errno);
    }
    if (!why.empty()) {
        std::error_code ec;
        std::filesystem::remove(path, ec);
        throw Error(ErrorKind::config, what, "cannot write " + path.string() + ": " + why);
    }
}

void sync_folder(const std::filesystem::path& folder, const char* what) {
    librecord::io::UniqueFd fd{::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (!fd.valid() || ::fsync(fd.get()) != 0 || fd.close_now() != 0) {
        throw Error(ErrorKind::config, what, "cannot sync the folder " + folder.string());
    }
}

}  // namespace cassiopeia::server
