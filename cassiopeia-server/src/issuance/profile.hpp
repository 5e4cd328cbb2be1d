// Issuance profiles: one INI file per profile (docs/profiles.md), loaded at start-up.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "util/time_util.hpp"

#include <array>
#include <chrono>
#include <filesystem>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::server {

enum class SanType { dns, email };

/** A period in force from a date on (caps and proof ages are dated, docs/protocol.md §5.2, §5.3).
 */
struct DatedPeriod {
    std::chrono::sys_days from;
    Period period;
};

/** The proof tables of docs/protocol.md §5.3. */
namespace proof_tables {
inline constexpr std::string_view domains = "domains";
inline constexpr std::string_view emails = "emails";
inline constexpr std::string_view organisations = "organisations";
inline constexpr std::string_view names = "names";
/// Every table a proof line may name; any other is refused (bad_request).
inline constexpr std::array<std::string_view, 4> all = {domains, emails, organisations, names};
}  // namespace proof_tables

struct Profile {
    std::string name;                    ///< file stem: `server-org`
    std::string family;                  ///< time CA family: CAs are named `<family>_<year>_<n>`
    std::vector<std::string> key_usage;  ///< RFC 5280 names, e.g. digitalSignature
    std::vector<std::string> extended_key_usage;  ///< OpenSSL short names, e.g. serverAuth
    bool eku_critical = false;
    std::vector<SanType> san_types;
    bool wildcards = false;
    bool require_san = false;         ///< at least one SAN (TLS server certificates)
    std::vector<std::string> avas;    ///< allowed attribute short names
    bool cn_proof_names = false;      ///< CN may be proven by names/name (client profiles)
    std::vector<std::string> hashes;  ///< sha256, sha384, sha512
    std::vector<DatedPeriod> caps;    ///< sorted by date
    std::map<std::string, std::vector<DatedPeriod>, std::less<>> proof_ages;  ///< per table
    std::string crl_url;  ///< `{ca}` is replaced by the issuing CA's name
    std::string ocsp_url;
    std::string ca_issuers_url;
    bool local_only = false;    ///< never served on the line (§5.2)
    bool ocsp_nocheck = false;  ///< id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2.1)
    bool basic_constraints_ca = false;
    int path_len = -1;  ///< -1: no pathLenConstraint

    [[nodiscard]] bool allows_san(SanType t) const;
    [[nodiscard]] bool allows_ava(std::string_view short_name) const;
    [[nodiscard]] bool allows_hash(std::string_view hash) const;
    /** The cap in force on `date`, nullopt before the first one. */
    [[nodiscard]] std::optional<Period> cap_at(SysSeconds date) const;
    /** The maximum proof age for `table` on `date`, nullopt when the table has none. */
    [[nodiscard]] std::optional<Period> proof_age_at(std::string_view table, SysSeconds date) const;
};

/**
 * Reads one profile in the INI form of docs/profiles.md from `in`, named `name` (the file stem
 * when loaded from a folder); throws cassiopeia::Error{config} naming it and the fault.
 */
[[nodiscard]] Profile parse_profile(std::istream& in, std::string_view name);

/** Loads one profile file; throws cassiopeia::Error{config} naming the file and the fault. */
[[nodiscard]] Profile load_profile(const std::filesystem::path& file);

/** All profiles of a folder (`<name>.conf`), by name. */
class ProfileSet final {
public:
    /** Loads every `*.conf` of `dir`; throws cassiopeia::Error{config}. */
    [[nodiscard]] static ProfileSet load(const std::filesystem::path& dir);

    void add(Profile p);
    [[nodiscard]] const Profile* find(std::string_view name) const;

    [[nodiscard]] size_t size() const noexcept { return m_profiles.size(); }

    [[nodiscard]] const std::map<std::string, Profile, std::less<>>& all() const noexcept {
        return m_profiles;
    }

private:
    std::map<std::string, Profile, std::less<>> m_profiles;
};

}  // namespace cassiopeia::server
