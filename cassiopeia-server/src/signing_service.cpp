// The signer's Services over the repository, the issuer, the CRL signer and the certifier.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "signing_service.hpp"

#include "incident.hpp"
#include "issuance/ca_policy.hpp"
#include "issuance/text.hpp"
#include "logging.hpp"
#include "status_report.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>

namespace cassiopeia::server {

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.server");
    return l;
}

/**
 * The setLog payload: one line per step, each ending in '\n' (docs/protocol.md §8.4). A line
 * that quotes request bytes passes utf8_safe, so the log is valid UTF-8 without controls.
 */
std::vector<uint8_t> log_bytes(const std::vector<std::string>& lines) {
    std::vector<uint8_t> out;
    for (const auto& line : lines) {
        const std::string l = utf8_safe(line);
        out.insert(out.end(), l.begin(), l.end());
        out.push_back('\n');
    }
    return out;
}

/** addSerial payloads `<serial>` or `<serial>,<reason>` (§5.6). */
std::vector<RevokeItem> revoke_items(const std::vector<std::string>& serials) {
    std::vector<RevokeItem> items;
    items.reserve(serials.size());
    for (const auto& s : serials) {
        const auto comma = s.find(',');
        RevokeItem item;
        item.serial = s.substr(0, comma);
        if (comma != std::string::npos) {
            item.reason = s.substr(comma + 1);
        }
        items.push_back(std::move(item));
    }
    return items;
}

std::string space_separated(const std::vector<std::string>& v) {
    std::string joined;
    for (const auto& x : v) {
        joined += (joined.empty() ? "" : " ") + x;
    }
    return joined;
}

/** The reply to a revoke: the RevokedDelta, or the refusal §5.6 defines. */
Refusable<std::vector<uint8_t>> revoke_reply(const std::string& ca_name, RevokeOutcome out) {
    using S = RevokeOutcome::Status;
    switch (out.status) {
        case S::revoked:
        case S::unchanged:
            LOG4CPLUS_INFO(log(),
                           "revoke on " << ca_name << ": CRL " << out.crl.crl_number << ", "
                                        << out.added.size() << " added, " << out.dropped.size()
                                        << " dropped");
            return std::move(out.crl.delta_der);
        case S::unknown_ca:
            return Refusal{ErrorCode::unknown_ca, "revoke: no CRL for " + ca_name};
        case S::unknown_serial:
            return Refusal{ErrorCode::unknown_serial,
                           "revoke: not issued here: " + space_separated(out.refused)};
        case S::wrong_ca:
            return Refusal{
                ErrorCode::wrong_ca,
                "revoke: not issued by " + ca_name + ": " + space_separated(out.refused)};
        case S::bad_reason:
            return Refusal{ErrorCode::bad_request,
                           "addSerial: reason not allowed (§5.6): " + space_separated(out.refused)};
    }
    return Refusal{ErrorCode::internal, "revoke: unexpected outcome"};
}

IssuedRecord issued_record(const std::string& request_id,
                           const Sha256Digest& request_hash,
                           const std::vector<std::string>& lines,
                           const IssuedCertificate& issued) {
    IssuedRecord rec;
    rec.request_id = request_id;
    rec.request_hash = request_hash;
    rec.log = log_bytes(lines);
    rec.cert_der = issued.der;
    rec.serial = issued.serial_hex;
    rec.ca = issued.ca_name;
    rec.not_before = issued.not_before;
    rec.not_after = issued.not_after;
    return rec;
}

}  // namespace

SigningMaterial SigningMaterial::load(const ServerConfig& config) {
    SigningMaterial m;
    m.profiles = std::make_unique<ProfileSet>(ProfileSet::load(config.profiles));
    m.cas = std::make_unique<CaStore>(CaStore::load(config.ca_certs, config.ca_keys));
    m.line_faults = apply_line_policy(*m.cas, *m.profiles, config.root_cert, config.tls.ca_file);
    m.issuer = std::make_unique<Issuer>(*m.profiles, *m.cas);
    return m;
}

SigningService::SigningService(SigningMaterial material,
                               Repository& repo,
                               std::unique_ptr<OpenPgpCertifier> pgp,
                               CrlPolicy crl_policy)
    : m_material(std::move(material)),
      m_repo(repo),
      m_pgp(std::move(pgp)),
      m_crl_policy(crl_policy),
      m_started(std::chrono::steady_clock::now()) {}

std::chrono::system_clock::time_point SigningService::now() const {
    return std::chrono::system_clock::now() + m_clock_offset_for_test;
}

SysSeconds SigningService::now_seconds() const {
    return std::chrono::floor<std::chrono::seconds>(now());
}

void SigningService::set_clock_offset_for_test(std::chrono::seconds offset) {
    m_clock_offset_for_test = offset;
}

void SigningService::set_link_key_state(
    std::function<std::optional<librecord::pkcs11::TokenState>()> state) {
    m_link_key_state = std::move(state);
}

void SigningService::set_after_commit_hook_for_test(std::function<void()> hook) {
    m_after_commit_for_test = std::move(hook);
}

std::string SigningService::status_json() {
    StatusReport r;
    r.version = CASSIOPEIA_VERSION;
    r.time = now_seconds();
    r.uptime_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() -
                                                                  m_started)
                     .count();
    std::vector<CrlState> crls;
    {
        auto held = m_repo.lock();
        r.certificates = held.requests().count_certificates();
        r.jobs = held.requests().count_jobs();
        const AuditTip tip = held.audit().tip();
        r.audit_seq = tip.seq;
        r.audit_head = tip.hash;
        crls = held.crls().states();
    }
    for (const auto& ca : m_material.cas->all()) {
        CaStatus s{ca.name, ca.not_before, ca.not_after, std::nullopt, std::nullopt};
        if (ca.key.token() != nullptr) {
            s.token = ca.key.token()->state();  // opens the key again after a token fault
        }
        const auto crl = std::find_if(
            crls.begin(), crls.end(), [&](const CrlState& c) { return c.ca == ca.name; });
        if (crl != crls.end()) {
            s.crl = *crl;
        }
        r.cas.push_back(std::move(s));
    }
    r.warnings = ca_warnings(*m_material.cas, r.time);
    if (m_link_key_state) {
        r.link_key = m_link_key_state();
    }
    return to_json(r);
}

Status SigningService::check_profile(std::string_view name) const {
    const Profile* profile = m_material.profiles->find(name);
    if (profile == nullptr) {
        return refuse(ErrorCode::unknown_profile, "setProfile: no profile " + echo_text(name, 64));
    }
    if (profile->local_only) {
        return refuse(ErrorCode::profile_local_only,
                      "setProfile: profile " + profile->name + " is never served on the line");
    }
    if (profile->name == "openpgp" && !m_pgp) {
        return refuse(ErrorCode::unknown_profile,
                      "setProfile: this signer has no OpenPGP certifying key");
    }
    return ok_status();
}

std::optional<Refusable<Services::Signed>> SigningService::stored_result(
    RequestBook& requests, const std::string& request_id, const Sha256Digest& request_hash) {
    auto stored = requests.find(request_id);
    if (!stored) {
        return std::nullopt;
    }
    if (::CRYPTO_memcmp(stored->hash.data(), request_hash.data(), request_hash.size()) != 0) {
        return Refusable<Signed>(
            Refusal{ErrorCode::request_mismatch,
                    "request id " + request_id + " was used for another request"});
    }
    LOG4CPLUS_INFO(log(), request_id << ": repeated request, stored result returned");
    return Refusable<Signed>(Signed{.log = std::move(stored->log),
                                    .issued = std::move(stored->issued),
                                    .signing_ca = std::move(stored->signing_ca)});
}

Refusable<Services::Signed> SigningService::certify(const std::string& request_id,
                                                    const Sha256Digest& request_hash,
                                                    std::string_view armoured_key,
                                                    const SignRequest& request) {
    const Profile* profile = m_material.profiles->find(request.profile_name());
    if (!m_pgp || profile == nullptr) {
        return Refusal{ErrorCode::unknown_profile,
                       "setProfile: this signer has no OpenPGP certifying key"};
    }
    auto held = m_repo.lock();  // held through the commit (§6)
    auto requests = held.requests();
    if (auto stored = stored_result(requests, request_id, request_hash)) {
        return std::move(*stored);
    }
    std::vector<std::string> lines{"request " + request_id};
    auto certified = m_pgp->certify(
        armoured_key, request.proofs(), *profile, request.wish_to_value(), now_seconds(), lines);
    if (!certified) {
        return certified.error();  // logged once, by the session (docs/operations.md)
    }
    CertifiedKeyRecord rec;
    rec.request_id = request_id;
    rec.request_hash = request_hash;
    rec.log = log_bytes(lines);
    rec.armoured_key.assign(certified->armoured.begin(), certified->armoured.end());
    rec.signer = certified->certifier;
    rec.fingerprint = certified->fingerprint;
    requests.store_certified_key(rec);  // §6: committed before anything is sent back
    LOG4CPLUS_INFO(log(),
                   request_id << ": certified " << certified->certified_uids.size()
                              << " user ID(s) of " << certified->fingerprint);
    return Signed{.log = std::move(rec.log),
                  .issued = std::move(rec.armoured_key),
                  .signing_ca = std::move(rec.signer)};
}

Refusable<Services::Signed> SigningService::sign_one(Repository::Locked& held,
                                                     const SignJob& job,
                                                     bool& stored) {
    auto requests = held.requests();
    if (auto found = stored_result(requests, job.request_id, job.request_hash)) {
        return std::move(*found);
    }
    std::vector<std::string> lines;
    lines.push_back("request " + job.request_id);
    auto issued = m_material.issuer->issue(job.request, now_seconds(), lines);
    if (!issued) {
        return issued.error();  // logged once, by the session (docs/operations.md)
    }
    IssuedRecord rec = issued_record(job.request_id, job.request_hash, lines, *issued);
    requests.store_issued(rec);  // durable at the batch's commit, before anything is sent (§6)
    stored = true;
    LOG4CPLUS_INFO(log(), job.request_id << ": issued serial " << rec.serial << " by " << rec.ca);
    return Signed{.log = std::move(rec.log),
                  .issued = std::move(rec.cert_der),
                  .signing_ca = std::move(rec.ca)};
}

Refusable<Services::Signed> SigningService::sign_in_savepoint(Repository::Locked& held,
                                                              const SignJob& job,
                                                              bool& stored) {
    try {
        // A savepoint per job: a job that throws undoes only its own writes.
        auto savepoint = held.transaction();
        bool stored_here = false;
        auto result = sign_one(held, job, stored_here);
        savepoint.commit();
        stored = stored || stored_here;
        return result;
    } catch (const std::exception& e) {
        // docs/style.md §5: logged with an incident id, answered internal; the batch goes on.
        const auto id = incident_id();
        LOG4CPLUS_ERROR(log(), job.request_id << ": incident " << id << ": " << e.what());
        return Refusal{ErrorCode::internal, "incident " + id};
    }
}

std::vector<Refusable<Services::Signed>> SigningService::sign_batch(std::span<const SignJob> jobs) {
    std::vector<Refusable<Signed>> out;
    out.reserve(jobs.size());
    if (jobs.empty()) {
        return out;
    }
    // Nothing of the batch is durable: every result it would have sent becomes `internal`.
    const auto unsaved = [&](const std::string& why) {
        const auto id = incident_id();
        LOG4CPLUS_ERROR(log(),
                        "incident " << id << ": a batch of " << jobs.size()
                                    << " sign request(s) was not committed: " << why);
        for (auto& r : out) {
            if (r.ok()) {
                r = Refusal{ErrorCode::internal, "incident " + id};
            }
        }
        out.resize(jobs.size(), Refusal{ErrorCode::internal, "incident " + id});
        return std::move(out);
    };
    // One signature at a time, from the look-up of each request id to the commit: two lines
    // with the same request id must not both sign (§6).
    auto held = m_repo.lock();
    auto batch = held.transaction();
    bool stored = false;
    for (const auto& job : jobs) {
        out.push_back(sign_in_savepoint(held, job, stored));
        if (!batch.active()) {
            return unsaved("the repository rolled the transaction back");
        }
    }
    try {
        batch.commit();  // group commit: one fsync for the whole batch (docs/repository.md)
    } catch (const std::exception& e) {
        return unsaved(e.what());
    }
    if (stored && m_after_commit_for_test) {
        m_after_commit_for_test();
    }
    return out;
}

int SigningService::maintain_crls() {
    return server::maintain_crls(m_repo, *m_material.cas, m_crl_policy, now_seconds());
}

Refusable<std::vector<uint8_t>> SigningService::revoke(const std::string& ca_name,
                                                       const std::vector<std::string>& serials) {
    const TimeCa* ca = m_material.cas->find_served(ca_name);
    if (ca == nullptr) {
        return Refusal{ErrorCode::unknown_ca, "revoke: no CA named " + echo_text(ca_name, 64)};
    }
    const auto items = revoke_items(serials);
    auto held = m_repo.lock();
    const auto now = now_seconds();
    return revoke_reply(
        ca_name,
        held.crls().revoke(ca_name, items, now, now + m_crl_policy.lifetime, crl_signer_for(*ca)));
}

Refusable<std::vector<uint8_t>> SigningService::full_crl(const std::string& ca_name) {
    if (m_material.cas->find_served(ca_name) == nullptr) {
        return Refusal{ErrorCode::unknown_ca, "getFullCRL: no CA named " + echo_text(ca_name, 64)};
    }
    auto state = m_repo.lock().crls().state(ca_name);
    if (!state) {
        return Refusal{ErrorCode::unknown_ca, "getFullCRL: no CRL for " + echo_text(ca_name, 64)};
    }
    return std::move(state->crl_der);
}

}  // namespace cassiopeia::server
