// One claimed WebDB job run on the link.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "job_runner.hpp"

#include "crl/crl.hpp"
#include "logging.hpp"
#include "ossl/x509.hpp"

#include <cassiopeia/common/test_point.hpp>
#include <librecord/errors.hpp>
#include <librecord/utc.hpp>

#include <algorithm>

namespace cassiopeia::client {

namespace {

const log4cplus::Logger& log() {
    static const log4cplus::Logger l = logger("cassiopeia.client.run");
    return l;
}

std::string utc_now() {
    return librecord::format_utc(
        std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
}

int64_t epoch_of(const std::string& utc) {
    const auto t = librecord::parse_utc(utc);
    return t ? t->time_since_epoch().count() : 0;
}

JobEnd bad_input(std::string detail) {
    return JobEnd{JobEnd::Kind::usage, std::nullopt, std::move(detail)};
}

}  // namespace

void taken_over(const Job& job) {
    LOG4CPLUS_WARN(log(), "job " << job.id << " was taken over; result not written");
}

JobQueue::IssuedCertificate issued_certificate(const Job& job, const SignOutput& out) {
    const auto& c = *out.certificate;
    return {&job,
            c.pem,
            c.serial,
            out.ca,
            c.not_before,
            c.not_after,
            std::string(out.log.begin(), out.log.end())};
}

std::optional<JobEnd> certificate_input(const Job& job, const CertificateJob& in, SignInput& s) {
    s.request_id = job.request_id();
    constexpr std::string_view spkac_prefix = "SPKAC:";
    const std::span<const uint8_t> raw{
        reinterpret_cast<const uint8_t*>(in.csr.data()),  // NOLINT(*-reinterpret-cast): text
        in.csr.size()};
    if (in.csr.starts_with(spkac_prefix)) {
        auto spkac = ossl::spkac_from_file(raw.subspan(spkac_prefix.size()));
        if (!spkac) {
            return bad_input("the SPKAC cannot be decoded");
        }
        s.spkac = std::move(*spkac);
    } else {
        auto der = ossl::csr_to_der(raw);
        if (!der) {
            return bad_input("the CSR is neither PEM nor DER");
        }
        s.csr_der = std::move(*der);
    }
    s.hash = in.hash;
    s.profile = in.profile;
    s.ocsp_ca = in.ocsp_ca;
    s.from = in.valid_from.value_or("");
    s.to = in.valid_to.value_or("");
    s.sans = in.sans;
    s.avas = in.avas;
    s.proofs = in.proofs;
    return std::nullopt;
}

namespace {

JobEnd run_certificate(Connection& link,
                       JobQueue& queue,
                       const Job& job,
                       const CertificateJob& in) {
    SignInput s;
    if (auto bad = certificate_input(job, in, s)) {
        return *bad;
    }
    // The log travels with the result: it is written in the same transaction as the
    // certificate (docs/protocol.md §8.7), and a replay gets the same bytes from the signer.
    auto result = issue_certificate(link, s, {});
    if (result.end.ok()) {
        if (!queue.complete_certificates({issued_certificate(job, result)}).front()) {
            taken_over(job);
        }
        common::test_point("job_committed");
    }
    return result.end;
}

/**
 * What the verified CRL says of each requested serial: its own revocation date and reason (a
 * replayed job may get a later delta that no longer lists its serials as added).
 */
std::vector<RevokedSerial> revoked_in(const std::vector<uint8_t>& crl_der,
                                      const std::vector<std::string>& serials) {
    const auto entries = crl::crl_revoked(crl_der).value_or(std::vector<crl::CrlEntry>{});
    std::vector<RevokedSerial> revoked;
    for (const auto& s : serials) {
        const auto serial = job_serial(s.substr(0, s.find(',')));
        const auto entry =
            std::find_if(entries.begin(), entries.end(), [&](const crl::CrlEntry& e) {
                return serial && e.serial == *serial;
            });
        if (entry != entries.end()) {
            revoked.push_back(RevokedSerial{entry->serial, entry->revoked_at, entry->reason});
        }
    }
    return revoked;
}

JobEnd run_revocation(Connection& link,
                      const ClientConfig& config,
                      JobQueue& queue,
                      Metrics& metrics,
                      const Job& job,
                      const RevocationJob& in) {
    auto result = revoke_serials(link, config, in.ca, in.serials);
    if (!result.end.ok()) {
        return result.end;
    }
    if (!queue.complete_revocation(job,
                                   in.ca,
                                   result.der,
                                   static_cast<uint64_t>(result.crl_number),
                                   crl::crl_this_update(result.der).value_or(utc_now()),
                                   crl::crl_next_update(result.der).value_or(""),
                                   revoked_in(result.der, in.serials),
                                   "revoke " + in.ca + " via " + result.via + "\n")) {
        taken_over(job);
    }
    if (const auto next = crl::crl_next_update(result.der)) {
        metrics.crl_next_update[in.ca] = epoch_of(*next);
    }
    return result.end;
}

JobEnd run_openpgp(Connection& link, JobQueue& queue, const Job& job, const OpenpgpJob& in) {
    if (in.key.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") == std::string::npos) {
        return bad_input("the key is not an armoured OpenPGP public key");
    }
    PgpInput p;
    p.request_id = job.request_id();
    p.armoured_key = in.key;
    p.proofs = in.proofs;
    auto result = certify_openpgp_key(link, p, {});
    if (result.end.ok() &&
        !queue.complete_openpgp(
            job, result.armoured, std::string(result.log.begin(), result.log.end()))) {
        taken_over(job);
    }
    return result.end;
}

JobEnd dispatch(Connection& link,
                const ClientConfig& config,
                JobQueue& queue,
                Metrics& metrics,
                const Job& job) {
    return std::visit(
        [&](const auto& in) -> JobEnd {
            using T = std::decay_t<decltype(in)>;
            if constexpr (std::is_same_v<T, CertificateJob>) {
                return run_certificate(link, queue, job, in);
            } else if constexpr (std::is_same_v<T, RevocationJob>) {
                return run_revocation(link, config, queue, metrics, job, in);
            } else {
                return run_openpgp(link, queue, job, in);
            }
        },
        job.input);
}

}  // namespace

JobEnd run_job(Connection& link,
               const ClientConfig& config,
               JobQueue& queue,
               Metrics& metrics,
               const Job& job) {
    try {
        return dispatch(link, config, queue, metrics, job);
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::database) {
            throw;  // the caller reconnects and releases this worker's jobs
        }
        return JobEnd{
            JobEnd::Kind::verification, std::nullopt, std::string("internal: ") + e.what()};
    } catch (const std::exception& e) {
        return JobEnd{
            JobEnd::Kind::verification, std::nullopt, std::string("internal: ") + e.what()};
    }
}

}  // namespace cassiopeia::client
