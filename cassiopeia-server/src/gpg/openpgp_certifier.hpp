// OpenPGP certification (docs/protocol.md §5.5): the signer certifies a key's proven user IDs.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "gpg/private_home.hpp"
#include "gpg/user_id.hpp"
#include "issuance/profile.hpp"
#include "issuance/proof.hpp"
#include "util/signer_error.hpp"
#include "util/time_util.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::server {

/** What respondCertificate and signingCA carry after a certification. */
struct CertifiedKey {
    std::string armoured;     ///< PGP PUBLIC KEY BLOCK: primary key, certified UIDs, new certs
    std::string fingerprint;  ///< the submitted key's, upper-case hex
    std::vector<std::string> certified_uids;  ///< in the key's order
    SysSeconds expiry;                        ///< the certifications' expiry
    std::string certifier;                    ///< signingCA payload: the certifier's user ID
    std::string certifier_fingerprint;
};

/**
 * The signer's OpenPGP certifying key in a private in-memory GnuPG home (gpg::PrivateHome),
 * used through GPGME. Not copyable; movable. certify() is serialised by an internal mutex (the
 * home is shared), and blocks on the gpg child: run it off the I/O thread (docs/style.md §7).
 * Destroying it stops the home's gpg-agent and wipes the home.
 */
class OpenPgpCertifier final {
public:
    /**
     * Makes a fresh home `<home_base>/cassiopeia-gnupg-XXXXXX` (0700; `home_base` must be on
     * tmpfs or ramfs), imports the certifying secret key (armoured) there, read in place
     * without a copy (the caller wipes its buffer after), and remembers its fingerprint. Needs
     * a live GpgmeGuard. The key must have exactly one secret primary key that can certify.
     * @param passphrase the secret key's passphrase, or empty for none (test keys). It reaches
     *        gpg-agent through GPGME's loopback pinentry callback, never argv or the
     *        environment; the certifier keeps a copy, wiped on destruction.
     * @throws cassiopeia::Error{gpg} (GPGME failures) or {config} (bad key, no guard, a home
     *         base that is not in memory)
     */
    [[nodiscard]] static OpenPgpCertifier open(const std::filesystem::path& home_base,
                                               std::span<const uint8_t> secret_key_armoured,
                                               std::span<const char> passphrase = {});

    /**
     * As open(), but the certifying key's secret half is in a PKCS#11 token (docs/hsm.md):
     * the home's gpg-agent runs gnupg-pkcs11-scd on `module`, the armoured *public* key is
     * imported and the agent learns the token's keys, so the key certifies through the token.
     * `pin` (the token's user PIN) reaches the token through the loopback pinentry like a
     * passphrase. Throws as open(); {config} when the token holds no key for it.
     */
    [[nodiscard]] static OpenPgpCertifier open_in_token(
        const std::filesystem::path& home_base,
        std::span<const uint8_t> public_key_armoured,
        const std::string& module,
        std::span<const char> pin);

    OpenPgpCertifier(OpenPgpCertifier&&) noexcept;
    OpenPgpCertifier& operator=(OpenPgpCertifier&&) noexcept;
    OpenPgpCertifier(const OpenPgpCertifier&) = delete;
    OpenPgpCertifier& operator=(const OpenPgpCertifier&) = delete;
    ~OpenPgpCertifier();

    [[nodiscard]] const std::string& fingerprint() const noexcept { return m_fingerprint; }

    /** The certifying key's primary user ID (the signingCA payload). */
    [[nodiscard]] const std::string& name() const noexcept { return m_name; }

    /** The private GnuPG home (empty once moved from). */
    [[nodiscard]] const std::filesystem::path& home() const noexcept { return m_home.path(); }

    /**
     * Certifies the user IDs of `armoured_public_key` whose address (inside `<...>`) has a
     * fresh `emails`/`address` proof (§5.3), with an expiry from `wish_to` capped by the
     * profile's cap at `now` (no wish: the full cap). The key is imported into the home only
     * for the operation and always deleted again.
     * @return the certified key, or a refusal: pgp_key (not exactly one armoured public key;
     *         primary not RSA >= 2048, Ed25519, ECDSA P-256/P-384; expired; revoked; a proven
     *         user ID without a valid self-signature), proof_missing/proof_stale/proof_future
     *         (no user ID proven: stale, else future, else missing), validity_cap/bad_validity
     *         (wishTo)
     * @throws cassiopeia::Error{gpg} when GPGME fails on our side (not the key's fault)
     */
    [[nodiscard]] Refusable<CertifiedKey> certify(std::string_view armoured_public_key,
                                                  const std::vector<ProofLine>& proofs,
                                                  const Profile& profile,
                                                  const std::optional<WishTo>& wish_to,
                                                  SysSeconds now,
                                                  std::vector<std::string>& log);

    /** Fingerprints of every public key in the home (the certifier's included). */
    [[nodiscard]] std::vector<std::string> list_keys_for_test() const;

private:
    OpenPgpCertifier(gpg::PrivateHome home, std::vector<char> passphrase);

    gpg::PrivateHome m_home;  // destroyed last: agent stopped, home wiped
    std::string m_fingerprint;
    std::string m_name;
    std::vector<char> m_passphrase;  // wiped in the destructor
    std::unique_ptr<std::mutex> m_mutex;
};

}  // namespace cassiopeia::server
