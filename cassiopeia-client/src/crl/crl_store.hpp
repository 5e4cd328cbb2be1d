// The client's CRL folder: one `<ca>.crl` (DER) per CA, replaced atomically
// (docs/protocol.md §5.6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace cassiopeia::client::crl {

class CrlStore final {
public:
    /** The folder must exist; it is not created. */
    explicit CrlStore(std::filesystem::path folder);

    /** True for a CA name that is safe as a file name: [a-z0-9_-], 1-64 characters. */
    [[nodiscard]] static bool valid_ca_name(std::string_view ca);

    /** The path of ca's copy (whether it exists or not). Throws Error{config} on a bad name. */
    [[nodiscard]] std::filesystem::path path_for(std::string_view ca) const;

    /**
     * The stored CRL of ca, or nullopt if there is none. Throws Error{io} if unreadable or a
     * symlink (the store renames only regular files into place).
     */
    [[nodiscard]] std::optional<std::vector<uint8_t>> read(std::string_view ca) const;

    /**
     * Replaces ca's copy atomically (write_file_atomically: unique temp file in the same
     * folder, fsync, rename, fsync of the folder). Call only with a CRL that verify_crl accepted.
     * Throws Error{io} on failure (the old copy then stays) and Error{config} on a bad name.
     */
    void write(std::string_view ca, std::span<const uint8_t> der) const;

    [[nodiscard]] const std::filesystem::path& folder() const noexcept { return m_folder; }

private:
    std::filesystem::path m_folder;
};

}  // namespace cassiopeia::client::crl
