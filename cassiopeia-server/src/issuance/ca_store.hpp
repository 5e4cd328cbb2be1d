// The signer's time CAs (`<family>_<year>_<n>`): loading certificate + key, choosing one (§5.2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "util/time_util.hpp"

#include <librecord/ossl/handles.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cassiopeia::server {

/** A CA name split into its parts: `server_2026_1` -> {server, 2026, 1}. */
struct TimeCaName {
    std::string family;
    int year = 0;
    int n = 0;
};

/** Parses `<family>_<year>_<n>` (family: lower-case letters, digits, '-'); nullopt otherwise. */
[[nodiscard]] std::optional<TimeCaName> parse_time_ca_name(std::string_view name);

/** One issuing time CA with its private key. */
struct TimeCa {
    std::string name;
    TimeCaName parts;
    ossl::X509Ptr cert;
    ossl::EvpPkeyPtr key;
    SysSeconds not_before;
    SysSeconds not_after;

    [[nodiscard]] bool valid_at(SysSeconds t) const { return not_before <= t && t <= not_after; }
};

/** Converts an ASN1_TIME to seconds since the epoch; throws cassiopeia::Error on failure. */
[[nodiscard]] SysSeconds to_sys_seconds(const ASN1_TIME* t);

class CaStore final {
public:
    /**
     * Loads every `<cert_dir>/<name>.pem` whose name is a time CA name, with its key
     * `<key_dir>/<name>.key`. Throws cassiopeia::Error{config} if a key is missing, is readable
     * by group or others, is encrypted, does not match the certificate, is not RSA or EC, or if
     * the certificate is not a CA with a subject key identifier.
     */
    [[nodiscard]] static CaStore load(const std::filesystem::path& cert_dir,
                                      const std::filesystem::path& key_dir);

    /** Adds a CA after the same checks as load() (for tests and the key ceremony). */
    void add(std::string name, ossl::X509Ptr cert, ossl::EvpPkeyPtr key);

    [[nodiscard]] const TimeCa* find(std::string_view name) const;
    /** The newest CA of `family` (highest year, then n) valid at `now`, or nullptr. */
    [[nodiscard]] const TimeCa* pick(std::string_view family, SysSeconds now) const;

    [[nodiscard]] const std::vector<TimeCa>& all() const noexcept { return m_cas; }

private:
    std::vector<TimeCa> m_cas;
};

}  // namespace cassiopeia::server
