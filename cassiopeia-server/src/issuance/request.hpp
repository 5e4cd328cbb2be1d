// SignRequest: the set-up commands of a sign request (docs/protocol.md §5.2), each checked on
// arrival. Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "issuance/csr.hpp"
#include "issuance/profile.hpp"
#include "issuance/proof.hpp"
#include "issuance/text.hpp"
#include "util/signer_error.hpp"
#include "util/time_util.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::server {

struct San {
    SanType type = SanType::dns;
    std::string value;  ///< DNS names lower-cased; email addresses as sent
};

/** One subject attribute; `short_name` is canonical (CN, O, C, ST, L, emailAddress). */
struct Ava {
    std::string short_name;
    std::string value;  ///< UTF-8 as sent
};

/** RFC 5280 upper bounds and string types of the attributes a subject may carry (§5.2). */
struct AvaSpec {
    std::string_view short_name;
    std::string_view oid;
    size_t max_chars;
};

/** The spec of an attribute given by short name or dotted OID, or nullptr. */
[[nodiscard]] const AvaSpec* find_ava_spec(std::string_view attribute);

/**
 * Checks a DNS name (A-labels only, LDH labels of 1..63, total <= 253, at least two labels,
 * no trailing dot; `*.` as the whole leftmost label when `allow_wildcard`; every `xn--` label,
 * in any case, a valid IDNA 2008 A-label) and returns it lower-cased, or nullopt.
 */
[[nodiscard]] std::optional<std::string> normalise_dns_name(std::string_view name,
                                                            bool allow_wildcard);

/** Checks an email address: dot-atom ASCII local part <= 64, a valid DNS domain, total <= 254. */
[[nodiscard]] bool valid_email(std::string_view address);

/**
 * The set-up of one sign request. Every command is checked as it arrives; the first failure is
 * remembered (its message names the command) and later commands are ignored (§5.1). Checks that
 * need the profile or the clock run in check_against_profile() when `sign` arrives.
 */
class SignRequest final {
public:
    void set_csr(std::span<const uint8_t> payload);
    void set_spkac(std::string_view payload);
    void set_signature_type(std::string_view payload);
    void set_profile(std::string_view payload);
    void set_ocsp_target_ca(std::string_view payload);
    void wish_from(std::string_view payload);
    void wish_to(std::string_view payload);
    void add_san(std::string_view payload);
    void add_ava(std::string_view payload);
    void add_proof_line(std::string_view payload);

    /** The first failure of the set-up, if any. */
    [[nodiscard]] const std::optional<Refusal>& failure() const noexcept { return m_failure; }

    /** Checks that need `sign`: a key, a hash, a profile were set; bad_request otherwise. */
    [[nodiscard]] Status check_complete() const;

    [[nodiscard]] EVP_PKEY* key() const noexcept { return m_key.key.get(); }

    [[nodiscard]] const std::string& key_description() const noexcept { return m_key.description; }

    [[nodiscard]] const std::string& hash() const noexcept { return m_hash; }

    /** The profile name: from setProfile, or `ocsp` after ocspTargetCA. */
    [[nodiscard]] const std::string& profile_name() const noexcept { return m_profile; }

    [[nodiscard]] const std::optional<std::string>& ocsp_target_ca() const noexcept {
        return m_ocsp_ca;
    }

    /** wishFrom's time; empty for `now` or no wishFrom. */
    [[nodiscard]] const std::optional<SysSeconds>& wish_from_time() const noexcept {
        return m_from;
    }

    [[nodiscard]] const std::optional<WishTo>& wish_to_value() const noexcept { return m_to; }

    [[nodiscard]] const std::vector<San>& sans() const noexcept { return m_sans; }

    [[nodiscard]] const std::vector<Ava>& avas() const noexcept { return m_avas; }

    [[nodiscard]] const std::vector<ProofLine>& proofs() const noexcept { return m_proofs; }

private:
    // True when the command may run (no earlier failure); records `err` otherwise.
    [[nodiscard]] bool active() const noexcept { return !m_failure.has_value(); }

    void fail(ErrorCode code, std::string_view command, const std::string& why);
    void set_key(Refusable<RequestKey> parsed, std::string_view command);

    std::optional<Refusal> m_failure;
    RequestKey m_key;
    bool m_key_set = false;
    std::string m_hash;
    std::string m_profile;
    bool m_profile_set = false;
    std::optional<std::string> m_ocsp_ca;
    bool m_from_set = false;
    std::optional<SysSeconds> m_from;
    std::optional<WishTo> m_to;
    std::vector<San> m_sans;
    std::vector<Ava> m_avas;
    std::vector<ProofLine> m_proofs;
};

/**
 * Profile-dependent checks of the set-up (§5.2): hash, SAN types and wildcards, attributes,
 * a SAN where the profile requires one. Messages name the set-up command.
 */
[[nodiscard]] Status check_against_profile(const SignRequest& req, const Profile& profile);

/** The proofs every SAN and AVA needs (§5.3), checked against the request's proof lines. */
[[nodiscard]] Status check_request_proofs(const SignRequest& req,
                                          const Profile& profile,
                                          SysSeconds now,
                                          std::vector<std::string>& log);

}  // namespace cassiopeia::server
