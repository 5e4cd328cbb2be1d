// The certifier's GnuPG home: a private folder in memory (tmpfs) for the signer's lifetime.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include <filesystem>

namespace cassiopeia::server::gpg {

/**
 * Owns `<base>/cassiopeia-gnupg-XXXXXX` (docs/openpgp.md, "The GnuPG home"): made with mkdtemp,
 * mode 0700, on a tmpfs or ramfs so that the imported certifying secret never reaches a disk.
 * The destructor stops the home's gpg-agent and wipes the home (wipe_home). Movable; a
 * moved-from home owns nothing.
 */
class PrivateHome final {
public:
    /**
     * Makes a fresh home below `base`.
     * @throws cassiopeia::Error{config} when `base` is missing, not a folder, not on tmpfs or
     *         ramfs, or mkdtemp fails there
     */
    [[nodiscard]] static PrivateHome create(const std::filesystem::path& base);

    /** $RUNTIME_DIRECTORY (systemd's RuntimeDirectory=; its first entry) if set, else /dev/shm. */
    [[nodiscard]] static std::filesystem::path default_base();

    PrivateHome(PrivateHome&& other) noexcept;
    PrivateHome& operator=(PrivateHome&& other) noexcept;
    PrivateHome(const PrivateHome&) = delete;
    PrivateHome& operator=(const PrivateHome&) = delete;
    ~PrivateHome();

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_path; }

private:
    explicit PrivateHome(std::filesystem::path path) noexcept;
    void release() noexcept;

    std::filesystem::path m_path;
};

/** True when `folder` lies on a tmpfs or ramfs (statfs); false when it does not or is missing. */
[[nodiscard]] bool on_memory_filesystem(const std::filesystem::path& folder) noexcept;

/**
 * Stops the gpg-agent of `home`, overwrites every regular file below it with zeros (a freed
 * tmpfs page keeps its bytes until reused) and removes the folder. Nothing when `home` is
 * missing.
 * @throws std::filesystem::filesystem_error when the folder cannot be removed
 */
void wipe_home(const std::filesystem::path& home);

}  // namespace cassiopeia::server::gpg
