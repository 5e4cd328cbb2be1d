// The claim on a repository between processes: an exclusive flock on the repository folder,
// held by the serving signer for its whole run and by the ceremonies that must not run beside
// it (docs/repository.md, "Who holds the repository").
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <librecord/io/unique_fd.hpp>

#include <string>

namespace cassiopeia::server {

class RepositoryClaim final {
public:
    /**
     * Takes the claim on `folder` without waiting. Throws cassiopeia::Error{config} when the
     * folder cannot be opened or another process (the serving signer, a ceremony) holds it.
     * The claim ends with the object or the process, a killed one included.
     */
    [[nodiscard]] static RepositoryClaim take(const std::string& folder);

private:
    explicit RepositoryClaim(librecord::io::UniqueFd fd) noexcept : m_fd(std::move(fd)) {}

    librecord::io::UniqueFd m_fd;
};

}  // namespace cassiopeia::server
