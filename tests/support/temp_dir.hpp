// TempDir: a fresh folder under /tmp for one test, removed with everything in it afterwards.
// Short paths on purpose: gpg-agent and PostgreSQL sockets must fit in 108 bytes.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <stdlib.h>  // mkdtemp (POSIX)
#include <string>
#include <system_error>

namespace cassiopeia::test {

class TempDir final {
public:
    explicit TempDir(const std::string& prefix = "cass") {
        std::string pattern = "/tmp/" + prefix + "-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed");
        }
        m_path = pattern;
    }

    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }

    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }

private:
    std::filesystem::path m_path;
};

}  // namespace cassiopeia::test
