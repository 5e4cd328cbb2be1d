// The key ceremony: a new time CA signed by the root key.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "ceremony.hpp"

#include "ceremony_files.hpp"
#include "issuance/builder.hpp"
#include "issuance/ca_key.hpp"
#include "issuance/ca_store.hpp"
#include "issuance/profile.hpp"
#include "privileges.hpp"
#include "repository/repository.hpp"
#include "request_hash.hpp"
#include "util/time_util.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <librecord/errors.hpp>
#include <librecord/ossl/handles.hpp>
#include <librecord/pkcs11.hpp>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <unistd.h>

namespace cassiopeia::server {

namespace {

[[noreturn]] void refuse(const std::string& what) {
    throw Error(ErrorKind::config, "new-time-ca", what);
}

ossl::BioPtr open_bio(const std::string& path) {
    ossl::BioPtr bio{::BIO_new_file(path.c_str(), "r")};
    if (!bio) {
        refuse("cannot read " + path);
    }
    return bio;
}

/** Writes the PEM in `pem` to a new file with `mode` (write_new_file). */
void write_new_file(const std::filesystem::path& path, BIO* pem, mode_t mode) {
    char* data = nullptr;
    const long len =
        BIO_get_mem_data(pem, &data);  // NOLINT(cppcoreguidelines-pro-type-cstyle-cast)
    server::write_new_file(
        path, std::string_view{data, static_cast<size_t>(len)}, mode, "new-time-ca");
}

/** The validated --from/--to of a request whose other fields are valid too. */
struct CeremonyTimes {
    SysSeconds from;
    SysSeconds to;
};

/** The CA profile the root signs with at a key ceremony (docs/profiles.md). */
constexpr std::string_view ceremony_profile = "subca";

CeremonyTimes check_request(const ServerConfig& config,
                            const ProfileSet& profiles,
                            const CeremonyRequest& request) {
    if (request.key_type != "ec" && request.key_type != "rsa") {
        refuse("--key-type is rsa or ec");
    }
    if (config.root_cert.empty() || config.root_key.empty()) {
        refuse("root_cert and root_key must be configured for the key ceremony");
    }
    const auto family_ok = !request.family.empty() && request.family.size() <= 32 &&
                           std::all_of(request.family.begin(), request.family.end(), [](char c) {
                               return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
                           });
    if (!family_ok) {
        refuse("--family must be lower-case letters, digits and '-'");
    }
    // The line never uses a CA of a local-only profile's family (docs/key-ceremony.md).
    for (const auto& [name, profile] : profiles.all()) {
        if (profile.local_only && profile.family == request.family) {
            refuse("--family " + request.family + " belongs to the local-only profile " + name);
        }
    }
    if (profiles.find(ceremony_profile) == nullptr) {
        refuse("no profile " + std::string{ceremony_profile} + " in " + config.profiles);
    }
    const auto from = parse_utc(request.from);
    const auto to = parse_utc(request.to);
    if (!from || !to || *to <= *from) {
        refuse("--from and --to must be YYYY-MM-DDTHH:MM:SSZ with --from before --to");
    }
    return {*from, *to};
}

/**
 * The root certificate and key as the issuing CA of the builder; the new CA's period must lie
 * within the root's, and the root needs a key identifier for the new CA's AKI.
 */
TimeCa load_root(const ServerConfig& config, const CeremonyTimes& times) {
    TimeCa root;
    root.name = "root";
    root.cert.reset(
        ::PEM_read_bio_X509(open_bio(config.root_cert).get(), nullptr, nullptr, nullptr));
    if (!root.cert) {
        refuse("root_cert does not load");
    }
    // A file (0600, unencrypted) or a key in a token (docs/hsm.md).
    root.key = load_ca_key("root_key", config.root_key, root.cert.get());
    try {
        root.key.check_matches(root.cert.get());
    } catch (const Error& e) {
        refuse("root_cert and root_key do not match: " + e.detail());
    }
    if (::X509_get0_subject_key_id(root.cert.get()) == nullptr) {
        refuse("root_cert has no subject key identifier");
    }
    root.not_before = to_sys_seconds(::X509_get0_notBefore(root.cert.get()));
    root.not_after = to_sys_seconds(::X509_get0_notAfter(root.cert.get()));
    if (times.from < root.not_before || times.to > root.not_after) {
        refuse("the time CA must lie within the root's validity");
    }
    return root;
}

/** The name: one above the highest n of this family and year (the CAs already made). */
std::string next_ca_name(const ServerConfig& config, const std::string& family, SysSeconds from) {
    const int year = static_cast<int>(
        std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(from)}.year());
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(config.ca_certs)) {
        const auto parts = parse_time_ca_name(entry.path().stem().string());
        if (parts && entry.path().extension() == ".pem" && parts->family == family &&
            parts->year == year) {
            n = std::max(n, parts->n);
        }
    }
    return family + "_" + std::to_string(year) + "_" + std::to_string(n + 1);
}

/** The root's organisation (O), for the new CA's subject; "Cassiopeia" when it has none. */
std::string root_organisation(X509* root) {
    const X509_NAME* name = ::X509_get_subject_name(root);
    const int i = ::X509_NAME_get_index_by_NID(name, NID_organizationName, -1);
    if (i < 0) {
        return "Cassiopeia";
    }
    const ASN1_STRING* v = ::X509_NAME_ENTRY_get_data(::X509_NAME_get_entry(name, i));
    // reinterpret_cast: the entry's bytes as text
    return {reinterpret_cast<const char*>(::ASN1_STRING_get0_data(v)),
            static_cast<size_t>(::ASN1_STRING_length(v))};
}

/** A CSR for `key` in DER: the builder takes the public key from a CSR, as for the line. */
std::vector<uint8_t> csr_for(const CaKey& key) {
    const ossl::X509ReqPtr req{::X509_REQ_new()};
    ossl::check_ossl(req != nullptr && ::X509_REQ_set_version(req.get(), 0) == 1 &&
                         ::X509_REQ_set_pubkey(req.get(), key.public_key()) == 1,
                     "X509_REQ_set_pubkey");
    key.sign(req.get(), ::EVP_sha256());
    return ossl::to_der(::i2d_X509_REQ, req.get(), "i2d_X509_REQ");
}

/**
 * The time CA certificate for `key`, issued by the root through the signer's builder under the
 * `subca` profile: its key usage, hashes and cap, and the pre-issuance lint (docs/protocol.md
 * §5.2). Subject O=<root's O>, CN=<root's O> <name>.
 */
IssuedCertificate make_time_ca(const ProfileSet& profiles,
                               const TimeCa& root,
                               const CaKey& key,
                               const std::string& name,
                               const CeremonyTimes& times,
                               std::vector<std::string>& log) {
    SignRequest req;
    req.set_csr(csr_for(key));
    req.set_signature_type("sha256");
    req.set_profile(std::string{ceremony_profile});
    req.wish_from(format_utc(times.from));
    req.wish_to(format_utc(times.to));
    const std::string org = root_organisation(root.cert.get());
    req.add_ava("O," + org);
    req.add_ava("CN," + org + " " + name);
    const CaStore no_time_cas;
    Issuer issuer{profiles, no_time_cas};
    // Judged as of --from: a CA made ahead of time gets the cap in force when it starts.
    auto issued = issuer.issue_by_root(req, root, times.from, log);
    if (!issued) {
        refuse("refused, nothing written: " + issued.error().payload());
    }
    return std::move(issued).value();
}

/**
 * Writes `<ca_keys>/<name>.key` (0600; not for a key in a token) then `<ca_certs>/<name>.pem`
 * (0644), never over a file; a key whose certificate cannot be written is removed again.
 */
void write_time_ca(const ServerConfig& config,
                   const std::string& name,
                   const CaKey& key,
                   X509* cert) {
    const ossl::BioPtr cert_pem{::BIO_new(::BIO_s_mem())};
    ossl::check_ossl(cert_pem && ::PEM_write_bio_X509(cert_pem.get(), cert) == 1,
                     "PEM_write_bio_X509");
    const auto cert_file = std::filesystem::path(config.ca_certs) / (name + ".pem");
    std::filesystem::path key_file;
    if (key.file_key() != nullptr) {
        const ossl::BioPtr key_pem{::BIO_new(::BIO_s_mem())};
        ossl::check_ossl(
            key_pem &&
                ::PEM_write_bio_PrivateKey(
                    key_pem.get(), key.file_key(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
            "PEM_write_bio_PrivateKey");
        key_file = std::filesystem::path(config.ca_keys) / (name + ".key");
        write_new_file(key_file, key_pem.get(), 0600);
    }
    bool cert_written = false;
    try {
        if (!key_file.empty()) {
            sync_folder(config.ca_keys, "new-time-ca");
        }
        write_new_file(cert_file, cert_pem.get(), 0644);
        cert_written = true;
        sync_folder(config.ca_certs, "new-time-ca");
    } catch (...) {
        std::error_code ec;
        if (!key_file.empty()) {
            std::filesystem::remove(key_file, ec);  // no orphan key blocks the next ceremony
        }
        if (cert_written) {
            std::filesystem::remove(cert_file, ec);  // nor a certificate without its key
        }
        throw;
    }
}

/**
 * The new time CA's key: made inside the token when ca_keys names one (C_GenerateKeyPair,
 * sensitive and never extractable, labelled `name`), else in memory, to be written as a file.
 */
CaKey new_ca_key(const ServerConfig& config, const std::string& name, const std::string& type) {
    namespace p11 = librecord::pkcs11;
    const bool ec = type == "ec";
    if (p11::is_uri(config.ca_keys)) {
        const auto spki = p11::generate_key(
            config.ca_keys, name, ec ? p11::KeyType::ec : p11::KeyType::rsa, ec ? 256 : 2048);
        const unsigned char* p = spki.data();
        ossl::EvpPkeyPtr pub{::d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size()))};
        ossl::check_ossl(pub != nullptr, "d2i_PUBKEY");
        return CaKey{p11::Key{p11::key_uri(config.ca_keys, name)}, std::move(pub)};
    }
    ossl::EvpPkeyPtr key{ec ? ::EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                            : ::EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})};
    ossl::check_ossl(key != nullptr, "EVP_PKEY_Q_keygen");
    return CaKey{std::move(key)};
}

/** Issues and writes the new CA; a key made in the token for a CA that failed is deleted. */
IssuedCertificate issue_and_write(const ServerConfig& config,
                                  const ProfileSet& profiles,
                                  const TimeCa& root,
                                  const std::string& name,
                                  const CeremonyRequest& request,
                                  const CeremonyTimes& times,
                                  std::vector<std::string>& log) {
    const CaKey key = new_ca_key(config, name, request.key_type);
    try {
        IssuedCertificate issued = make_time_ca(profiles, root, key, name, times, log);
        write_time_ca(config, name, key, issued.cert.get());
        return issued;
    } catch (...) {
        if (key.token() != nullptr) {
            try {
                librecord::pkcs11::delete_objects(config.ca_keys, name);
            } catch (const Error&) {
                // the first failure is the one to report; the orphan keeps its label
            }
        }
        throw;
    }
}

/**
 * The issuance in the signer's repository, as every issuance is recorded (docs/repository.md):
 * the request `ceremony:<random 63-bit decimal>` with its log, the certificate row (CA `root`)
 * and an `issue` audit entry. As the signer's user, so no repository file becomes root's.
 */
void record_issuance(const ServerConfig& config,
                     const IssuedCertificate& issued,
                     const std::vector<std::string>& log) {
    drop_privileges(config.user, config.group);
    std::array<unsigned char, 8> raw{};
    ossl::check_ossl(::RAND_bytes(raw.data(), static_cast<int>(raw.size())) == 1, "RAND_bytes");
    uint64_t id = 0;
    for (const unsigned char b : raw) {
        id = (id << 8U) | b;
    }
    IssuedRecord rec;
    rec.request_id = "ceremony:" + std::to_string(id >> 1U);
    for (const auto& line : log) {
        rec.log.insert(rec.log.end(), line.begin(), line.end());
        rec.log.push_back('\n');
    }
    rec.request_hash = Sha256::digest(rec.log);
    rec.cert_der = issued.der;
    rec.serial = issued.serial_hex;
    rec.ca = issued.ca_name;
    rec.not_before = issued.not_before;
    rec.not_after = issued.not_after;
    Repository repo = Repository::open(config.repository);
    repo.lock().requests().store_issued(rec);
}

}  // namespace

int run_new_time_ca(const ServerConfig& config, const CeremonyRequest& request, std::ostream& out) {
    harden_process();  // the root key is in memory: no core dumps, no ptrace
    if (config.profiles.empty()) {
        refuse("profiles must be configured: the time CA is issued under the subca profile");
    }
    if (!config.repository.empty() && ::geteuid() == 0 && config.user.empty()) {
        refuse("as root, set 'user': the issuance is recorded in the repository as that user");
    }
    const ProfileSet profiles = ProfileSet::load(config.profiles);
    const CeremonyTimes times = check_request(config, profiles, request);
    const TimeCa root = load_root(config, times);
    const std::string name = next_ca_name(config, request.family, times.from);
    std::vector<std::string> log{"new-time-ca " + name};
    const IssuedCertificate issued =
        issue_and_write(config, profiles, root, name, request, times, log);
    if (!config.repository.empty()) {
        try {
            record_issuance(config, issued, log);
        } catch (const Error& e) {
            throw Error(
                ErrorKind::config,
                "new-time-ca",
                "wrote " + name + " but could not record it in the repository: " + e.what());
        }
    }
    out << "{\"name\": \"" << name << "\", \"serial\": \"" << issued.serial_hex
        << "\", \"not_before\": \"" << format_utc(issued.not_before) << "\", \"not_after\": \""
        << format_utc(issued.not_after) << "\"}\n";
    return exit_code::ok;
}

}  // namespace cassiopeia::server
