// The signer's Services: sign, certify, revoke, the full CRL and the status report, each
// against the repository under its one lock (docs/protocol.md §5, §6).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "config.hpp"
#include "crl/crl_schedule.hpp"
#include "gpg/openpgp_certifier.hpp"
#include "issuance/builder.hpp"
#include "issuance/ca_store.hpp"
#include "issuance/profile.hpp"
#include "repository/repository.hpp"
#include "session.hpp"

#include <chrono>
#include <functional>
#include <memory>

namespace cassiopeia::server {

/** Profiles, time CAs and the issuer over them: loaded as root, before the drop (CA keys 0600). */
struct SigningMaterial {
    std::unique_ptr<ProfileSet> profiles;
    std::unique_ptr<CaStore> cas;
    std::unique_ptr<Issuer> issuer;  ///< refers to *profiles and *cas
    /// CAs the line may not use, one line each (apply_line_policy): `check` reports them as
    /// errors, the daemon refuses to start with any.
    std::vector<std::string> line_faults;

    /** Loads everything and applies the line policy; throws cassiopeia::Error{config}. */
    [[nodiscard]] static SigningMaterial load(const ServerConfig& config);
};

/**
 * The Services every line's session calls, from several line threads at once. Every call that
 * reads or writes the repository holds its one lock (Repository::lock()) for its whole length;
 * sign_batch and certify hold it from the look-up of the request ids through signing to the
 * commit, so one request id is never signed twice (docs/protocol.md §6). sign_batch signs its
 * jobs in one write transaction, each job in a savepoint, and commits once (group commit,
 * docs/repository.md).
 */
class SigningService final : public Services {
public:
    /** `repo` must outlive the service; `pgp` may be null (no OpenPGP certifying key). */
    SigningService(SigningMaterial material,
                   Repository& repo,
                   std::unique_ptr<OpenPgpCertifier> pgp,
                   CrlPolicy crl_policy);

    [[nodiscard]] std::chrono::system_clock::time_point now() const override;
    [[nodiscard]] std::string status_json() override;
    [[nodiscard]] Status check_profile(std::string_view name) const override;
    [[nodiscard]] std::vector<Refusable<Signed>> sign_batch(std::span<const SignJob> jobs) override;
    [[nodiscard]] Refusable<Signed> certify(const std::string& request_id,
                                            const Sha256Digest& request_hash,
                                            std::string_view armoured_key,
                                            const SignRequest& request) override;
    [[nodiscard]] Refusable<std::vector<uint8_t>> revoke(
        const std::string& ca, const std::vector<std::string>& serials) override;
    [[nodiscard]] Refusable<std::vector<uint8_t>> full_crl(const std::string& ca) override;

    /** maintain_crls() over this service's CAs and repository, now. */
    int maintain_crls();

    /**
     * Runs `hook` right after a batch with a newly signed certificate was committed and before
     * sign_batch returns (with the repository's lock held). Only the test build installs one: its
     * hook kills the process, to prove that a retried job yields exactly one certificate.
     */
    void set_after_commit_hook_for_test(std::function<void()> hook);

    /** Where the status report reads the link key's token state from (docs/hsm.md). */
    void set_link_key_state(std::function<std::optional<librecord::pkcs11::TokenState>()> state);

    /**
     * Adds `offset` to now() (time answers, the status report, issuance, CRLs). Only the test
     * build sets one, to play a signer whose clock is far from the client's.
     */
    void set_clock_offset_for_test(std::chrono::seconds offset);

private:
    /** The stored result for `request_id`, request_mismatch, or nullopt when it is new (§6). */
    [[nodiscard]] static std::optional<Refusable<Signed>> stored_result(
        RequestBook& requests, const std::string& request_id, const Sha256Digest& request_hash);
    [[nodiscard]] SysSeconds now_seconds() const;
    /** One job inside the batch's transaction; `stored` becomes true when it stored a row. */
    [[nodiscard]] Refusable<Signed> sign_one(Repository::Locked& held,
                                             const SignJob& job,
                                             bool& stored);
    /** sign_one in its own savepoint; an exception becomes `internal` with an incident id. */
    [[nodiscard]] Refusable<Signed> sign_in_savepoint(Repository::Locked& held,
                                                      const SignJob& job,
                                                      bool& stored);

    SigningMaterial m_material;
    Repository& m_repo;
    std::unique_ptr<OpenPgpCertifier> m_pgp;
    CrlPolicy m_crl_policy;
    std::chrono::steady_clock::time_point m_started;
    std::function<void()> m_after_commit_for_test;
    std::function<std::optional<librecord::pkcs11::TokenState>()> m_link_key_state;
    std::chrono::seconds m_clock_offset_for_test{0};
};

}  // namespace cassiopeia::server
