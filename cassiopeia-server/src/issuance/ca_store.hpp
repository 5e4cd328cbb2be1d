// The signer's time CAs (`<family>_<year>_<n>`): loading certificate + key, choosing one (§5.2).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#pragma once

#include "issuance/ca_key.hpp"
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
    CaKey key;
    SysSeconds not_before;
    SysSeconds not_after;
    /// Why the line may never use this CA (docs/key-ceremony.md, "What the line may use");
    /// empty when it may.
    std::string withheld;

    [[nodiscard]] bool served() const noexcept { return withheld.empty(); }

    [[nodiscard]] bool valid_at(SysSeconds t) const { return not_before <= t && t <= not_after; }
};

/** Converts an ASN1_TIME to seconds since the epoch; throws cassiopeia::Error on failure. */
[[nodiscard]] SysSeconds to_sys_seconds(const ASN1_TIME* t);

class CaStore final {
public:
    /**
     * Loads every `<cert_dir>/<name>.pem` whose name is a time CA name, with its key: the file
     * `<keys>/<name>.key`, or, when `keys` is a token's pkcs11: URI, the private key labelled
     * `<name>` in it (docs/hsm.md; not opened here: see check_keys()). Throws
     * cassiopeia::Error{config} if a key file is missing, is readable by group or others, is
     * encrypted, does not match the certificate, if a key is not RSA or EC, or if the
     * certificate is not a CA with a subject key identifier.
     */
    [[nodiscard]] static CaStore load(const std::filesystem::path& cert_dir,
                                      const std::string& keys);

    /**
     * Adds a CA after the same checks as load() (for tests and the key ceremony). A CA that is
     * self-issued or self-signed, or whose pathLenConstraint is absent or not 0, is kept but
     * withheld from the line (TimeCa::withheld).
     */
    void add(std::string name, ossl::X509Ptr cert, CaKey key);

    /**
     * Proves every key in a token can sign and belongs to its certificate (file keys were
     * compared on loading). Throws cassiopeia::Error{config} naming the CA: a key that is
     * missing, cannot sign or is another's is a configuration fault at start.
     */
    void check_keys() const;

    /** Withholds every CA of `family` from the line, saying `why`. */
    void withhold_family(std::string_view family, const std::string& why);
    /**
     * Withholds every CA that is `other` or shares its public key or subject, naming `other`
     * as `what` (the root, the link CA).
     */
    void withhold_matching(X509* other, const std::string& what);
    /** One line per withheld CA: `CA <name>: <why>`; empty when every CA may be served. */
    [[nodiscard]] std::vector<std::string> withheld_report() const;

    /** Any loaded CA, served or not (local commands, CRL upkeep). */
    [[nodiscard]] const TimeCa* find(std::string_view name) const;
    /** A CA the line may use, or nullptr (a withheld CA is as good as unknown there). */
    [[nodiscard]] const TimeCa* find_served(std::string_view name) const;
    /** The newest served CA of `family` (highest year, then n) valid at `now`, or nullptr. */
    [[nodiscard]] const TimeCa* pick(std::string_view family, SysSeconds now) const;

    [[nodiscard]] const std::vector<TimeCa>& all() const noexcept { return m_cas; }

private:
    std::vector<TimeCa> m_cas;
};

}  // namespace cassiopeia::server
