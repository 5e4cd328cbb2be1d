// The claim on a repository between processes (repository_claim.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "repository/repository_claim.hpp"

#include <librecord/errors.hpp>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>

namespace cassiopeia::server {

RepositoryClaim RepositoryClaim::take(const std::string& folder) {
    // The folder itself, not a file in it: nothing is created, so no process leaves a lock
    // file that another user (root at a ceremony, the signer's user) could not open again.
    librecord::io::UniqueFd fd{::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (!fd.valid()) {
        throw Error(ErrorKind::config,
                    "repository",
                    "cannot open the folder " + folder + ": " + std::strerror(errno));
    }
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        throw Error(ErrorKind::config,
                    "repository",
                    err == EWOULDBLOCK ? folder +
                                             " is held by another process (the serving "
                                             "signer or a ceremony); stop it first"
                                       : "cannot lock " + folder + ": " + std::strerror(err));
    }
    return RepositoryClaim{std::move(fd)};
}

}  // namespace cassiopeia::server
