// OpenPGP certification through GPGME in the signer's GnuPG home (docs/protocol.md §5.5, §5.3).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "gpg/openpgp_certifier.hpp"

#include "gpg/gpgme_guard.hpp"
#include "gpg/gpgme_handles.hpp"
#include "gpg/openpgp_packets.hpp"
#include "gpg/user_id.hpp"
#include "logging.hpp"

#include <librecord/errors.hpp>

#include <gpgme.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <system_error>
#include <utility>

namespace cassiopeia::server {

namespace {

constexpr std::string_view armour_begin = "-----BEGIN PGP PUBLIC KEY BLOCK-----";
// gpg import filter: drop every certification on a user ID that the key did not make itself
// (self-signatures are never considered by drop-sig), so only ours are added and returned.
constexpr const char* drop_third_party_sigs = "drop-sig=sig_created -n";
constexpr unsigned min_rsa_bits = 2048;

// GPGME's loopback pinentry asks here; the hook is the certifier's passphrase (docs/style.md §4.5:
// no exception may cross into C).
gpgme_error_t passphrase_cb(
    void* hook, const char* /*uid_hint*/, const char* /*info*/, int prev_was_bad, int fd) noexcept {
    const auto* pw = static_cast<const std::vector<char>*>(hook);
    if (prev_was_bad != 0 || pw == nullptr) {
        return ::gpgme_error(GPG_ERR_CANCELED);
    }
    if (::gpgme_io_writen(fd, pw->data(), pw->size()) != 0 || ::gpgme_io_writen(fd, "\n", 1) != 0) {
        return ::gpgme_error_from_syserror();
    }
    return 0;
}

std::string str(const char* s) {
    return s == nullptr ? std::string{} : std::string{s};
}

gpg::KeyPtr find_key(gpgme_ctx_t ctx, const std::string& fpr, bool secret) {
    gpgme_key_t raw = nullptr;
    const gpgme_error_t err = ::gpgme_get_key(ctx, fpr.c_str(), &raw, secret ? 1 : 0);
    if (gpg::code_of(err) == GPG_ERR_EOF) {
        return nullptr;
    }
    gpg::check_gpgme(err, "gpgme_get_key");
    return gpg::KeyPtr{raw};
}

std::vector<gpg::KeyPtr> list_keys(gpgme_ctx_t ctx, bool secret) {
    gpg::check_gpgme(::gpgme_op_keylist_start(ctx, nullptr, secret ? 1 : 0),
                     "gpgme_op_keylist_start");
    std::vector<gpg::KeyPtr> keys;
    for (;;) {
        gpgme_key_t raw = nullptr;
        const gpgme_error_t err = ::gpgme_op_keylist_next(ctx, &raw);
        if (gpg::code_of(err) == GPG_ERR_EOF) {
            break;
        }
        gpg::check_gpgme(err, "gpgme_op_keylist_next");
        keys.emplace_back(raw);
    }
    return keys;
}

void delete_key(const std::filesystem::path& home, const std::string& fpr) {
    const auto ctx = gpg::make_context(home.c_str());
    const auto key = find_key(ctx.get(), fpr, false);
    if (key) {
        gpg::check_gpgme(::gpgme_op_delete_ext(ctx.get(), key.get(), GPGME_DELETE_FORCE),
                         "gpgme_op_delete_ext");
    }
}

// Deletes the submitted key from the home on every path out of certify() (§5.5).
class KeyRemover final {
public:
    KeyRemover(const std::filesystem::path& home, std::string fpr)
        : m_home(home), m_fpr(std::move(fpr)) {}

    KeyRemover(const KeyRemover&) = delete;
    KeyRemover& operator=(const KeyRemover&) = delete;

    ~KeyRemover() {
        if (m_done) {
            return;
        }
        try {
            delete_key(m_home, m_fpr);
        } catch (const std::exception& e) {
            // open() deletes leftovers at the next start; the failure is still worth a line.
            LOG4CPLUS_ERROR(logger("cassiopeia.server.gpg"),
                            "cannot delete submitted key " << m_fpr << ": " << e.what());
        }
    }

    /** Deletes now; failures throw. */
    void remove() {
        m_done = true;
        delete_key(m_home, m_fpr);
    }

private:
    const std::filesystem::path& m_home;
    std::string m_fpr;
    bool m_done = false;
};

// Accepted primary keys (§5.5): RSA >= 2048, Ed25519, ECDSA P-256/P-384.
std::optional<std::string> key_type_fault(gpgme_subkey_t primary) {
    const std::string curve = str(primary->curve);
    switch (primary->pubkey_algo) {
        case GPGME_PK_RSA:
        case GPGME_PK_RSA_S:
            if (primary->length < min_rsa_bits) {
                return "RSA key of " + std::to_string(primary->length) + " bits (at least " +
                       std::to_string(min_rsa_bits) + ")";
            }
            return std::nullopt;
        case GPGME_PK_EDDSA:
            if (curve == "ed25519" || curve == "Ed25519") {
                return std::nullopt;
            }
            return "EdDSA curve " + curve + " not accepted";
        case GPGME_PK_ECDSA:
            if (curve == "nistp256" || curve == "nistp384" || curve == "NIST P-256" ||
                curve == "NIST P-384") {
                return std::nullopt;
            }
            return "ECDSA curve " + curve + " not accepted";
        default:
            return std::string{"primary key algorithm "} +
                   str(::gpgme_pubkey_algo_name(primary->pubkey_algo)) + " not accepted";
    }
}

std::optional<std::string> key_state_fault(gpgme_key_t key, SysSeconds now) {
    const gpgme_subkey_t primary = key->subkeys;
    if (key->revoked != 0 || primary->revoked != 0) {
        return "key is revoked";
    }
    const auto now_s = now.time_since_epoch().count();
    if (key->expired != 0 || primary->expired != 0 ||
        (primary->expires > 0 && primary->expires <= now_s)) {
        return "key has expired";
    }
    if (key->invalid != 0 || key->disabled != 0 || primary->invalid != 0) {
        return "key is invalid";
    }
    return std::nullopt;
}

/** The primary user ID of the certifying key `fpr`: a secret primary key that can certify. */
std::string certifier_name(gpgme_ctx_t ctx, const std::string& fpr) {
    const auto key = find_key(ctx, fpr, true);
    if (!key || key->can_certify == 0 || key->subkeys == nullptr || key->subkeys->secret == 0) {
        throw cassiopeia::Error{
            ErrorKind::config,
            "OpenPgpCertifier",
            "certifying key " + fpr + " cannot certify (no secret key, or none in the token)"};
    }
    return key->uids != nullptr ? str(key->uids->uid) : fpr;
}

/** Writes a small configuration file of the private home (0600). */
void write_config(const std::filesystem::path& file, const std::string& text) {
    std::ofstream out(file, std::ios::trunc);
    out << text;
    out.close();
    std::filesystem::permissions(
        file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    if (!out) {
        throw cassiopeia::Error{ErrorKind::io, "write", file.string()};
    }
}

}  // namespace

OpenPgpCertifier::OpenPgpCertifier(gpg::PrivateHome home, std::vector<char> passphrase)
    : m_home(std::move(home)),
      m_passphrase(std::move(passphrase)),
      m_mutex(std::make_unique<std::mutex>()) {}

OpenPgpCertifier::OpenPgpCertifier(OpenPgpCertifier&&) noexcept = default;
OpenPgpCertifier& OpenPgpCertifier::operator=(OpenPgpCertifier&&) noexcept = default;

OpenPgpCertifier::~OpenPgpCertifier() {
    // The passphrase never leaves this buffer but for the pinentry pipe; wipe it. m_home goes
    // last: its agent is stopped and the home, with the secret key, wiped.
    ::OPENSSL_cleanse(m_passphrase.data(), m_passphrase.size());
}

OpenPgpCertifier OpenPgpCertifier::open(const std::filesystem::path& home_base,
                                        std::span<const uint8_t> secret_key_armoured,
                                        std::span<const char> passphrase) {
    if (!GpgmeGuard::ready()) {
        throw cassiopeia::Error{
            ErrorKind::internal, "OpenPgpCertifier::open", "GPGME not initialised (GpgmeGuard)"};
    }
    OpenPgpCertifier c{gpg::PrivateHome::create(home_base),
                       std::vector<char>(passphrase.begin(), passphrase.end())};

    const auto ctx = gpg::make_context(c.home().c_str());
    {
        // Read in place: no copy of the secret inside GPGME for the caller to miss.
        auto data = gpg::make_data_view(secret_key_armoured);
        gpg::check_gpgme(::gpgme_op_import(ctx.get(), data.get()), "gpgme_op_import");
    }
    const gpgme_import_result_t res = ::gpgme_op_import_result(ctx.get());
    std::set<std::string> secret_fprs;
    for (gpgme_import_status_t s = res == nullptr ? nullptr : res->imports; s != nullptr;
         s = s->next) {
        if (s->result == 0 && (s->status & GPGME_IMPORT_SECRET) != 0 && s->fpr != nullptr) {
            secret_fprs.insert(s->fpr);
        }
    }
    if (secret_fprs.size() != 1) {
        throw cassiopeia::Error{ErrorKind::config,
                                "OpenPgpCertifier::open",
                                "the certifying key file must hold exactly one secret key"};
    }
    c.m_fingerprint = *secret_fprs.begin();
    c.m_name = certifier_name(ctx.get(), c.m_fingerprint);
    return c;
}

OpenPgpCertifier OpenPgpCertifier::open_in_token(const std::filesystem::path& home_base,
                                                 std::span<const uint8_t> public_key_armoured,
                                                 const std::string& module,
                                                 std::span<const char> pin) {
    if (!GpgmeGuard::ready()) {
        throw cassiopeia::Error{ErrorKind::internal,
                                "OpenPgpCertifier::open_in_token",
                                "GPGME not initialised (GpgmeGuard)"};
    }
    OpenPgpCertifier c{gpg::PrivateHome::create(home_base),
                       std::vector<char>(pin.begin(), pin.end())};
    // gpg-agent asks gnupg-pkcs11-scd, which finds the token's keys through their certificates.
    write_config(c.home() / "gpg-agent.conf",
                 "scdaemon-program /usr/bin/gnupg-pkcs11-scd\nallow-loopback-pinentry\n");
    write_config(c.home() / "gnupg-pkcs11-scd.conf",
                 "providers p1\nprovider-p1-library " + module + "\n");
    const auto ctx = gpg::make_context(c.home().c_str());
    {
        auto data = gpg::make_data_view(public_key_armoured);
        gpg::check_gpgme(::gpgme_op_import(ctx.get(), data.get()), "gpgme_op_import");
    }
    const gpgme_import_result_t res = ::gpgme_op_import_result(ctx.get());
    if (res == nullptr || res->imports == nullptr || res->imports->next != nullptr ||
        res->imports->result != 0 || res->imports->fpr == nullptr) {
        throw cassiopeia::Error{ErrorKind::config,
                                "OpenPgpCertifier::open_in_token",
                                "the certifying key file must hold exactly one public key"};
    }
    const std::string fpr = res->imports->fpr;
    gpg::learn_card_keys(c.home());
    c.m_fingerprint = fpr;
    c.m_name = certifier_name(ctx.get(), fpr);
    return c;
}

std::vector<std::string> OpenPgpCertifier::list_keys_for_test() const {
    const auto ctx = gpg::make_context(home().c_str());
    std::vector<std::string> out;
    for (const auto& k : list_keys(ctx.get(), false)) {
        out.push_back(str(k->fpr));
    }
    return out;
}

namespace {

/** Step 1: the one public key of the armour, looked at without importing it (gpg
 * --import-options show-only). */
Refusable<gpg::KeyPtr> show_key(const std::filesystem::path& home,
                                std::span<const uint8_t> key_bytes) {
    gpg::KeyPtr shown;
    const auto ctx = gpg::make_context(home.c_str());
    auto data = gpg::make_data(key_bytes);
    if (::gpgme_op_keylist_from_data_start(ctx.get(), data.get(), 0) != 0) {
        return refuse(ErrorCode::pgp_key, "setOpenPGPKey: not an OpenPGP public key");
    }
    size_t count = 0;
    for (;;) {
        gpgme_key_t raw = nullptr;
        const gpgme_error_t err = ::gpgme_op_keylist_next(ctx.get(), &raw);
        if (gpg::code_of(err) == GPG_ERR_EOF) {
            break;
        }
        if (err != 0) {
            return refuse(ErrorCode::pgp_key, "setOpenPGPKey: unreadable key");
        }
        ++count;
        shown.reset(raw);
    }
    if (count != 1 || !shown || shown->subkeys == nullptr || shown->subkeys->fpr == nullptr) {
        return refuse(ErrorCode::pgp_key, "setOpenPGPKey: exactly one public key expected");
    }
    return shown;
}

/** What makes a submitted key unacceptable (§5.5), or nullopt. */
std::optional<Refusal> submitted_key_fault(gpgme_key_t shown,
                                           const std::string& certifier_fingerprint,
                                           SysSeconds now) {
    if (shown->secret != 0) {
        return refuse(ErrorCode::pgp_key, "setOpenPGPKey: secret key material refused");
    }
    if (str(shown->subkeys->fpr) == certifier_fingerprint) {
        return refuse(ErrorCode::pgp_key, "setOpenPGPKey: that is the certifying key");
    }
    if (auto fault = key_type_fault(shown->subkeys)) {
        return refuse(ErrorCode::pgp_key, "setOpenPGPKey: " + *fault);
    }
    if (auto fault = key_state_fault(shown, now)) {
        return refuse(ErrorCode::pgp_key, "setOpenPGPKey: " + *fault);
    }
    return std::nullopt;
}

/** "no proof for the OpenPGP user IDs "A", "B" and N more": the first ten, each quoted. */
std::string no_proof_for(const std::vector<std::string>& uids) {
    constexpr size_t named = 10;
    std::string text = "no proof for the OpenPGP user IDs";
    for (size_t i = 0; i < uids.size() && i < named; ++i) {
        text += (i == 0 ? " \"" : ", \"") + uids[i] + "\"";
    }
    if (uids.size() > named) {
        text += " and " + std::to_string(uids.size() - named) + " more";
    }
    return text;
}

/** Step 2: the user IDs proven by emails/address of their address inside <...> (§5.3); the
 * most telling refusal when none is. */
Refusable<std::vector<std::string>> proven_user_ids(gpgme_key_t shown,
                                                    const std::vector<ProofLine>& proofs,
                                                    const Profile& profile,
                                                    SysSeconds now,
                                                    std::vector<std::string>& log) {
    std::vector<std::string> proven;
    std::vector<std::string> unproven;  // proof_missing: each is named in the refusal
    std::optional<Refusal> first_refusal;
    for (gpgme_user_id_t uid = shown->uids; uid != nullptr; uid = uid->next) {
        if (uid->revoked != 0 || uid->invalid != 0 || uid->uid == nullptr) {
            continue;
        }
        const auto address = user_id_address(uid->uid);
        if (!address) {
            continue;
        }
        const ProofNeed need{"OpenPGP user ID " + str(uid->uid),
                             std::string{proof_tables::emails},
                             "address",
                             *address,
                             ProofMatch::email};
        const Status st = check_proof(proofs, need, profile, now, log);
        if (st.ok()) {
            proven.push_back(str(uid->uid));
            continue;
        }
        if (st.error().code == ErrorCode::proof_missing) {
            unproven.push_back(str(uid->uid));
        }
        if (!first_refusal || (first_refusal->code == ErrorCode::proof_missing &&
                               st.error().code != ErrorCode::proof_missing)) {
            first_refusal = st.error();
        }
    }
    if (!proven.empty()) {
        return proven;
    }
    if (first_refusal && first_refusal->code == ErrorCode::proof_missing && unproven.size() > 1) {
        return refuse(ErrorCode::proof_missing, "addProofLine: " + no_proof_for(unproven));
    }
    if (first_refusal) {
        return *first_refusal;
    }
    return refuse(ErrorCode::proof_missing, "setOpenPGPKey: no user ID with an e-mail address");
}

/** Step 3: the certifications' expiry, wishTo capped by the profile (§5.5). */
Refusable<SysSeconds> certification_expiry(const Profile& profile,
                                           const std::optional<WishTo>& wish_to,
                                           SysSeconds now) {
    const auto cap = profile.cap_at(now);
    if (!cap) {
        return refuse(ErrorCode::validity_cap, "profile " + profile.name + " has no cap in force");
    }
    auto expiry = resolve_not_after(now, wish_to, *cap);
    if (!expiry) {
        return std::move(expiry).error();
    }
    if (*expiry <= now) {
        return refuse(ErrorCode::bad_validity, "wishTo: the certification would expire at once");
    }
    return *expiry;
}

/** Step 4: imports the key for the operation only, without third-party certifications. */
std::optional<Refusal> import_key(const std::filesystem::path& home,
                                  std::span<const uint8_t> key_bytes) {
    const auto ctx = gpg::make_context(home.c_str());
    gpg::check_gpgme(::gpgme_set_ctx_flag(ctx.get(), "import-filter", drop_third_party_sigs),
                     "gpgme_set_ctx_flag(import-filter)");
    auto data = gpg::make_data(key_bytes);
    if (::gpgme_op_import(ctx.get(), data.get()) != 0) {
        return refuse(ErrorCode::pgp_key, "setOpenPGPKey: gpg cannot import the key");
    }
    const gpgme_import_result_t res = ::gpgme_op_import_result(ctx.get());
    if (res == nullptr || res->imported + res->unchanged != 1) {
        return refuse(ErrorCode::pgp_key, "setOpenPGPKey: gpg did not import the key");
    }
    return std::nullopt;
}

/** Step 5: the imported key holds only user IDs with a valid self-signature. */
std::optional<Refusal> imported_key_fault(gpgme_key_t target,
                                          const std::vector<std::string>& proven,
                                          SysSeconds now) {
    if (target == nullptr || target->subkeys == nullptr) {
        return refuse(ErrorCode::pgp_key, "setOpenPGPKey: gpg did not import the key");
    }
    if (auto fault = key_state_fault(target, now)) {
        return refuse(ErrorCode::pgp_key, "setOpenPGPKey: " + *fault);
    }
    for (const auto& want : proven) {
        bool valid = false;
        for (gpgme_user_id_t uid = target->uids; uid != nullptr; uid = uid->next) {
            valid = valid || (str(uid->uid) == want && uid->invalid == 0 && uid->revoked == 0);
        }
        if (!valid) {
            return refuse(ErrorCode::pgp_key,
                          "setOpenPGPKey: user ID " + want + " has no valid self-signature");
        }
    }
    return std::nullopt;
}

/** Step 7: each proven user ID of `fpr` now carries a certification by `certifier_fpr`. */
void check_certified(const std::filesystem::path& home,
                     const std::string& fpr,
                     const std::string& certifier_fpr,
                     const std::vector<std::string>& proven) {
    const auto ctx = gpg::make_context(home.c_str());
    gpg::check_gpgme(
        ::gpgme_set_keylist_mode(ctx.get(), GPGME_KEYLIST_MODE_LOCAL | GPGME_KEYLIST_MODE_SIGS),
        "gpgme_set_keylist_mode");
    const auto signed_key = find_key(ctx.get(), fpr, false);
    const std::string keyid = certifier_fpr.substr(certifier_fpr.size() - 16);
    for (const auto& want : proven) {
        bool found = false;
        for (gpgme_user_id_t uid = signed_key ? signed_key->uids : nullptr; uid != nullptr;
             uid = uid->next) {
            if (str(uid->uid) != want) {
                continue;
            }
            for (gpgme_key_sig_t s = uid->signatures; s != nullptr; s = s->next) {
                found = found || (str(s->keyid) == keyid && s->revoked == 0);
            }
        }
        if (!found) {
            throw cassiopeia::Error{
                ErrorKind::gpg, "gpgme_op_keysign", "no certification made on " + want};
        }
    }
}

/** Step 8: the exported key, only its primary key and the certified user IDs (§5.5). */
std::vector<uint8_t> export_certified(const std::filesystem::path& home,
                                      const std::string& fpr,
                                      const std::vector<std::string>& proven) {
    std::vector<uint8_t> exported;
    {
        const auto ctx = gpg::make_context(home.c_str());
        auto out = gpg::make_output_data();
        gpg::check_gpgme(::gpgme_op_export(ctx.get(), fpr.c_str(), 0, out.get()),
                         "gpgme_op_export");
        exported = gpg::take_bytes(out);
    }
    auto trimmed =
        pgp::trim_keyblock(exported, std::set<std::string>(proven.begin(), proven.end()));
    if (!trimmed) {
        throw cassiopeia::Error{ErrorKind::gpg, "gpgme_op_export", "unexpected keyblock"};
    }
    return std::move(*trimmed);
}

/** Step 6: certifies the `proven` user IDs of `target` in `ctx` with the certifying key
 * `certifier_fpr`, exportable, expiring at `expiry`. */
void keysign(gpgme_ctx_t ctx,
             gpgme_key_t target,
             const std::string& certifier_fpr,
             std::vector<char>& passphrase,
             const std::vector<std::string>& proven,
             SysSeconds expiry,
             SysSeconds now) {
    const auto certifier = find_key(ctx, certifier_fpr, true);
    if (!certifier) {
        throw cassiopeia::Error{ErrorKind::gpg, "gpgme_get_key", "certifying key gone from home"};
    }
    gpg::check_gpgme(::gpgme_signers_add(ctx, certifier.get()), "gpgme_signers_add");
    if (!passphrase.empty()) {
        ::gpgme_set_passphrase_cb(ctx, &passphrase_cb, &passphrase);
    }
    std::string uid_list;
    for (const auto& u : proven) {
        // Proven user IDs hold no line break (user_id_address), so LFSEP cannot split one.
        // GnuPG 2.2's quick-sign has no `=` exact-match form (tried: it signs nothing); the
        // returned key carries only the proven user IDs whatever gpg matched (step 8).
        uid_list += (uid_list.empty() ? "" : "\n") + u;
    }
    // Exportable: no GPGME_KEYSIGN_LOCAL.
    gpg::check_gpgme(::gpgme_op_keysign(ctx,
                                        target,
                                        uid_list.c_str(),
                                        static_cast<unsigned long>((expiry - now).count()),
                                        GPGME_KEYSIGN_LFSEP),
                     "gpgme_op_keysign");
}

}  // namespace

Refusable<CertifiedKey> OpenPgpCertifier::certify(std::string_view armoured_public_key,
                                                  const std::vector<ProofLine>& proofs,
                                                  const Profile& profile,
                                                  const std::optional<WishTo>& wish_to,
                                                  SysSeconds now,
                                                  std::vector<std::string>& log) {
    const std::lock_guard lock{*m_mutex};
    const size_t start = armoured_public_key.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos ||
        armoured_public_key.substr(start, armour_begin.size()) != armour_begin) {
        return refuse(ErrorCode::pgp_key, "setOpenPGPKey: not an ASCII-armoured public key block");
    }
    // The armour is text viewed as bytes for GPGME.
    const std::span<const uint8_t> key_bytes{
        reinterpret_cast<const uint8_t*>(armoured_public_key.data()), armoured_public_key.size()};

    auto shown = show_key(home(), key_bytes);
    if (!shown) {
        return std::move(shown).error();
    }
    if (auto fault = submitted_key_fault(shown->get(), m_fingerprint, now)) {
        return std::move(*fault);
    }
    const std::string fpr = str((*shown)->subkeys->fpr);
    auto proven = proven_user_ids(shown->get(), proofs, profile, now, log);
    if (!proven) {
        return std::move(proven).error();
    }
    const auto expiry = certification_expiry(profile, wish_to, now);
    if (!expiry) {
        return expiry.error();
    }

    delete_key(home(), fpr);  // a leftover of an interrupted run
    KeyRemover remover{home(), fpr};
    if (auto fault = import_key(home(), key_bytes)) {
        return std::move(*fault);
    }
    const auto sign_ctx = gpg::make_context(home().c_str());
    const auto target = find_key(sign_ctx.get(), fpr, false);
    if (auto fault = imported_key_fault(target.get(), *proven, now)) {
        return std::move(*fault);
    }
    keysign(sign_ctx.get(), target.get(), m_fingerprint, m_passphrase, *proven, *expiry, now);
    check_certified(home(), fpr, m_fingerprint, *proven);
    const auto trimmed = export_certified(home(), fpr, *proven);
    remover.remove();

    for (const auto& u : *proven) {
        log.push_back("openpgp: certified " + u + " of " + fpr + " by " + m_fingerprint +
                      " until " + format_utc(*expiry));
    }
    return CertifiedKey{
        pgp::armour_public_key(trimmed), fpr, std::move(*proven), *expiry, m_name, m_fingerprint};
}

}  // namespace cassiopeia::server
