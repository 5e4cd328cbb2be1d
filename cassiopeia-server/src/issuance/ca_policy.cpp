// The line policy over the loaded CAs: roots, local-only families and the link CA withheld.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/ca_policy.hpp"

#include <librecord/errors.hpp>
#include <librecord/ossl/handles.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>

namespace cassiopeia::server {

namespace {

/** Every certificate of a PEM file; throws Error{config} when it holds none. */
std::vector<ossl::X509Ptr> read_certificates(const std::string& path, const std::string& what) {
    const ossl::BioPtr bio{::BIO_new_file(path.c_str(), "r")};
    std::vector<ossl::X509Ptr> out;
    while (bio) {
        ossl::X509Ptr cert{::PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)};
        if (!cert) {
            break;
        }
        out.push_back(std::move(cert));
    }
    ::ERR_clear_error();  // the end of the file, or the fault reported below
    if (out.empty()) {
        throw Error(ErrorKind::config, what, "no certificate readable in " + path);
    }
    return out;
}

}  // namespace

std::vector<std::string> apply_line_policy(CaStore& cas,
                                           const ProfileSet& profiles,
                                           const std::string& root_cert,
                                           const std::string& link_ca_file) {
    for (const auto& [name, profile] : profiles.all()) {
        if (profile.local_only) {
            cas.withhold_family(profile.family,
                                "family " + profile.family + " of the local-only profile " + name);
        }
    }
    std::vector<ossl::X509Ptr> roots;
    if (!root_cert.empty()) {
        roots = read_certificates(root_cert, "root_cert");
        cas.withhold_matching(roots.front().get(), "root");
    }
    std::vector<std::string> faults;
    if (!link_ca_file.empty()) {
        for (const auto& link_ca : read_certificates(link_ca_file, "tls.ca")) {
            cas.withhold_matching(link_ca.get(), "link CA");
            if (!roots.empty() && (::X509_cmp(link_ca.get(), roots.front().get()) == 0 ||
                                   ::EVP_PKEY_eq(::X509_get0_pubkey(link_ca.get()),
                                                 ::X509_get0_pubkey(roots.front().get())) == 1)) {
                faults.emplace_back(
                    "the link CA is the root (docs/protocol.md §3: a dedicated link CA)");
            }
            ::ERR_clear_error();
        }
    }
    auto withheld = cas.withheld_report();
    faults.insert(faults.begin(), withheld.begin(), withheld.end());
    return faults;
}

Refusable<const TimeCa*> issuing_ca(const CaStore& cas,
                                    const SignRequest& req,
                                    const Profile& profile,
                                    SysSeconds now,
                                    std::vector<std::string>& log) {
    if (req.ocsp_target_ca()) {
        // Only a CA the line may use: never a root, never the link CA (docs/key-ceremony.md).
        const TimeCa* ca = cas.find_served(*req.ocsp_target_ca());
        if (ca == nullptr || !ca->valid_at(now)) {
            return refuse(ErrorCode::unknown_ca,
                          "ocspTargetCA: no CA " + *req.ocsp_target_ca() + " valid now");
        }
        log.push_back("CA " + ca->name + " (OCSP target)");
        return ca;
    }
    const TimeCa* ca = cas.pick(profile.family, now);
    if (ca == nullptr) {
        return refuse(ErrorCode::unknown_ca,
                      "setProfile: no CA of family " + profile.family + " valid now");
    }
    log.push_back("CA newest of " + profile.family);
    return ca;
}

}  // namespace cassiopeia::server
