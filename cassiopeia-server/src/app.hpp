// The signer daemon: opens its lines and keys, drops privileges, serves each line on its own
// thread until SIGINT/SIGTERM.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"
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
    [[nodiscard]] Outcome<Signed> sign(const std::string& request_id,
                                       const Sha256Digest& request_hash,
                                       const SignRequest& request) override;
    [[nodiscard]] Outcome<std::vector<uint8_t>> revoke(
        const std::string& ca, const std::vector<std::string>& serials) override;
    [[nodiscard]] Outcome<std::vector<uint8_t>> full_crl(const std::string& ca) override;

private:
    /** Loads profiles and CAs (as root, before the drop: CA keys are 0600). */
    void load_signing_material();

    ServerConfig m_config;
    std::chrono::steady_clock::time_point m_started;
    std::mutex m_repo_mutex;  // one SQLite connection, shared by the line threads
    std::unique_ptr<Repository> m_repo;
    std::unique_ptr<ProfileSet> m_profiles;
    std::unique_ptr<CaStore> m_cas;
    std::unique_ptr<Issuer> m_issuer;
    bool m_kill_after_commit_for_test = false;
};

}  // namespace cassiopeia::server
