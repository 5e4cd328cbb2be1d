// The signer daemon: opens its lines and keys, drops privileges, serves each line on its own
// thread until SIGINT/SIGTERM.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"
#include "gpg/openpgp_certifier.hpp"
#include "issuance/builder.hpp"
#include "issuance/ca_store.hpp"
#include "issuance/profile.hpp"
#include "repository/repository.hpp"
#include "session.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <ostream>

namespace cassiopeia::server {

class App final : public Services {
public:
    explicit App(ServerConfig config);

    /** Serves until SIGINT/SIGTERM. @return the process exit status. */
    [[nodiscard]] int run();

    /** `check`: validates configuration and keys, prints what it found. */
    [[nodiscard]] int check(std::ostream& out);

    [[nodiscard]] std::chrono::system_clock::time_point now() const override;
    [[nodiscard]] std::string status_json() override;
    [[nodiscard]] Refusable<Signed> sign(const std::string& request_id,
                                         const Sha256Digest& request_hash,
                                         const SignRequest& request) override;
    [[nodiscard]] Refusable<Signed> certify(const std::string& request_id,
                                            const Sha256Digest& request_hash,
                                            std::string_view armoured_key,
                                            const SignRequest& request) override;
    [[nodiscard]] Refusable<std::vector<uint8_t>> revoke(
        const std::string& ca, const std::vector<std::string>& serials) override;
    [[nodiscard]] Refusable<std::vector<uint8_t>> full_crl(const std::string& ca) override;

    /**
     * Gives every CA its initial CRL and re-signs each CRL that is within crl_resign of its
     * nextUpdate (an expired CA gets one last CRL after its notAfter, then rests).
     * @return how many CRLs were signed.
     */
    int maintain_crls();

private:
    /** Loads profiles and CAs (as root, before the drop: CA keys are 0600). */
    void load_signing_material();
    [[nodiscard]] CrlSigner crl_signer_for(const TimeCa& ca) const;
    /** The stored result for `request_id`, request_mismatch, or nullopt when it is new (§6). */
    [[nodiscard]] std::optional<Refusable<Signed>> stored_result(const std::string& request_id,
                                                                 const Sha256Digest& request_hash);

    ServerConfig m_config;
    std::chrono::steady_clock::time_point m_started;
    std::mutex m_repo_mutex;  // one SQLite connection, shared by the line threads
    std::unique_ptr<Repository> m_repo;
    std::unique_ptr<ProfileSet> m_profiles;
    std::unique_ptr<CaStore> m_cas;
    std::unique_ptr<Issuer> m_issuer;
    std::unique_ptr<OpenPgpCertifier> m_pgp;
    bool m_kill_after_commit_for_test = false;
};

}  // namespace cassiopeia::server
