// SecretBytes: key material read from a file, wiped when it goes (docs/style.md §4.4).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace cassiopeia::server {

/** Owns secret bytes; wipes them with OPENSSL_cleanse on destruction and on move. */
class SecretBytes final {
public:
    SecretBytes() = default;
    ~SecretBytes();
    SecretBytes(SecretBytes&& other) noexcept;
    SecretBytes& operator=(SecretBytes&& other) noexcept;
    SecretBytes(const SecretBytes&) = delete;
    SecretBytes& operator=(const SecretBytes&) = delete;

    /**
     * Reads a whole file into a buffer sized from fstat first, so that no reallocation
     * leaves unwiped copies behind. Throws cassiopeia::Error{config} when it cannot.
     */
    [[nodiscard]] static SecretBytes read_file(const std::string& path);

    [[nodiscard]] std::span<const uint8_t> bytes() const noexcept { return m_bytes; }

    [[nodiscard]] bool empty() const noexcept { return m_bytes.empty(); }

private:
    void wipe() noexcept;
    std::vector<uint8_t> m_bytes;
};

}  // namespace cassiopeia::server
