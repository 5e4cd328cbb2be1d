// The key ceremony: a new time CA signed by the root key.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "ceremony.hpp"

#include "issuance/ca_store.hpp"
#include "issuance/profile.hpp"
#include "privileges.hpp"
#include "util/time_util.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <librecord/errors.hpp>
#include <librecord/io/unique_fd.hpp>
#include <librecord/ossl/handles.hpp>

#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <fcntl.h>
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

/** Writes `pem` to a new file with `mode`; never replaces an existing one. */
void write_new_file(const std::filesystem::path& path, BIO* pem, mode_t mode) {
    char* data = nullptr;
    const long len =
        BIO_get_mem_data(pem, &data);  // NOLINT(cppcoreguidelines-pro-type-cstyle-cast)
    librecord::io::UniqueFd fd{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)};
    if (!fd.valid()) {
        refuse("cannot create " + path.string() + " (it must not exist yet)");
    }
    const auto n = ::write(fd.get(), data, static_cast<size_t>(len));
    const bool ok = n == len && ::fsync(fd.get()) == 0 && fd.close_now() == 0;
    if (!ok) {
        refuse("cannot write " + path.string());
    }
}

void add_ext(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
    ossl::X509ExtPtr ext{::X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str())};
    ossl::check_ossl(ext != nullptr, "X509V3_EXT_conf_nid");
    ossl::check_ossl(::X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

void set_time(ASN1_TIME* field, SysSeconds t) {
    ossl::check_ossl(
        ::ASN1_TIME_set(field, static_cast<time_t>(t.time_since_epoch().count())) != nullptr,
        "ASN1_TIME_set");
}

/** The validated --from/--to of a request whose other fields are valid too. */
struct CeremonyTimes {
    SysSeconds from;
    SysSeconds to;
};

CeremonyTimes check_request(const ServerConfig& config, const CeremonyRequest& request) {
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
    if (!family_ok || request.family == "root") {
        refuse("--family must be lower-case letters, digits and '-', and not 'root'");
    }
    const auto from = parse_utc(request.from);
    const auto to = parse_utc(request.to);
    if (!from || !to || *to <= *from) {
        refuse("--from and --to must be YYYY-MM-DDTHH:MM:SSZ with --from before --to");
    }
    return {*from, *to};
}

struct Root {
    ossl::X509Ptr cert;
    ossl::EvpPkeyPtr key;
};

/** The root certificate and key; the new CA's period must lie within the root's. */
Root load_root(const ServerConfig& config, const CeremonyTimes& times) {
    check_key_file_mode(config.root_key);
    Root root;
    root.cert.reset(
        ::PEM_read_bio_X509(open_bio(config.root_cert).get(), nullptr, nullptr, nullptr));
    // TODO(lead): encrypted root keys through a passphrase callback, PKCS#11 with SoftHSM2.
    root.key.reset(
        ::PEM_read_bio_PrivateKey(open_bio(config.root_key).get(), nullptr, nullptr, nullptr));
    if (!root.cert || !root.key || ::X509_check_private_key(root.cert.get(), root.key.get()) != 1) {
        refuse("root_cert and root_key do not load or do not match");
    }
    if (times.from < to_sys_seconds(::X509_get0_notBefore(root.cert.get())) ||
        times.to > to_sys_seconds(::X509_get0_notAfter(root.cert.get()))) {
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

/** RFC 5280 §4.1.2.2 and CA/B BR §7.1: a positive serial with 64+ bits from the CSPRNG. */
void set_random_serial(X509* cert) {
    std::array<unsigned char, 16> raw{};
    ossl::check_ossl(::RAND_bytes(raw.data(), static_cast<int>(raw.size())) == 1, "RAND_bytes");
    raw[0] = static_cast<unsigned char>((raw[0] & 0x7FU) | 0x01U);
    const ossl::BignumPtr bn{::BN_bin2bn(raw.data(), static_cast<int>(raw.size()), nullptr)};
    ossl::check_ossl(bn && ::BN_to_ASN1_INTEGER(bn.get(), ::X509_get_serialNumber(cert)),
                     "BN_to_ASN1_INTEGER");
}

/** Subject: the root's O, CN "<root O> <name>" (the test PKI's shape). */
void set_subject(X509* cert, X509* root, const std::string& name) {
    ossl::X509NamePtr subject{::X509_NAME_new()};
    const X509_NAME* root_name = ::X509_get_subject_name(root);
    std::string org = "Cassiopeia";
    if (const int i = ::X509_NAME_get_index_by_NID(root_name, NID_organizationName, -1); i >= 0) {
        const ASN1_STRING* v = ::X509_NAME_ENTRY_get_data(::X509_NAME_get_entry(root_name, i));
        // reinterpret_cast: the entry's bytes as text
        org.assign(reinterpret_cast<const char*>(::ASN1_STRING_get0_data(v)),
                   static_cast<size_t>(::ASN1_STRING_length(v)));
    }
    const std::string cn = org + " " + name;
    // reinterpret_cast: OpenSSL takes the UTF-8 bytes as unsigned char.
    ossl::check_ossl(
        ::X509_NAME_add_entry_by_NID(subject.get(),
                                     NID_organizationName,
                                     MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(org.c_str()),
                                     -1,
                                     -1,
                                     0) == 1 &&
            ::X509_NAME_add_entry_by_NID(subject.get(),
                                         NID_commonName,
                                         MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(cn.c_str()),
                                         -1,
                                         -1,
                                         0) == 1,
        "X509_NAME_add_entry_by_NID");
    ossl::check_ossl(::X509_set_subject_name(cert, subject.get()) == 1, "X509_set_subject_name");
}

/** The CA extensions, with the subca profile's CRL and caIssuers URLs when it has them. */
void add_ca_extensions(X509* cert, X509* root, const ServerConfig& config) {
    X509V3_CTX ctx;
    ::X509V3_set_ctx(&ctx, root, cert, nullptr, nullptr, 0);
    add_ext(cert, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_ext(cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
    add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always");
    if (config.profiles.empty()) {
        return;
    }
    const auto profiles = ProfileSet::load(config.profiles);
    if (const Profile* subca = profiles.find("subca")) {
        if (!subca->crl_url.empty()) {
            add_ext(cert, &ctx, NID_crl_distribution_points, "URI:" + subca->crl_url);
        }
        if (!subca->ca_issuers_url.empty()) {
            add_ext(cert, &ctx, NID_info_access, "caIssuers;URI:" + subca->ca_issuers_url);
        }
    }
}

/** The time CA certificate for `key`, signed by the root and checked before anything is
 * written: signature, CA flag, key usage. */
ossl::X509Ptr make_time_ca(const ServerConfig& config,
                           const Root& root,
                           EVP_PKEY* key,
                           const std::string& name,
                           const CeremonyTimes& times) {
    ossl::X509Ptr cert{::X509_new()};
    ossl::check_ossl(cert != nullptr && ::X509_set_version(cert.get(), X509_VERSION_3) == 1,
                     "X509_set_version");
    set_random_serial(cert.get());
    ossl::check_ossl(
        ::X509_set_issuer_name(cert.get(), ::X509_get_subject_name(root.cert.get())) == 1,
        "X509_set_issuer_name");
    set_subject(cert.get(), root.cert.get(), name);
    set_time(::X509_getm_notBefore(cert.get()), times.from);
    set_time(::X509_getm_notAfter(cert.get()), times.to);
    ossl::check_ossl(::X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
    add_ca_extensions(cert.get(), root.cert.get(), config);
    ossl::check_ossl(::X509_sign(cert.get(), root.key.get(), ::EVP_sha256()) > 0, "X509_sign");
    if (::X509_verify(cert.get(), root.key.get()) != 1 || ::X509_check_ca(cert.get()) != 1 ||
        (::X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN) == 0) {
        refuse("the new certificate failed its checks; nothing written");
    }
    return cert;
}

/** Writes `<ca_keys>/<name>.key` (0600) then `<ca_certs>/<name>.pem` (0644), never over a
 * file; a key whose certificate cannot be written is removed again. */
void write_time_ca(const ServerConfig& config, const std::string& name, EVP_PKEY* key, X509* cert) {
    const ossl::BioPtr key_pem{::BIO_new(::BIO_s_mem())};
    const ossl::BioPtr cert_pem{::BIO_new(::BIO_s_mem())};
    ossl::check_ossl(key_pem && cert_pem &&
                         ::PEM_write_bio_PrivateKey(
                             key_pem.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
                         ::PEM_write_bio_X509(cert_pem.get(), cert) == 1,
                     "PEM_write_bio");
    const auto key_file = std::filesystem::path(config.ca_keys) / (name + ".key");
    write_new_file(key_file, key_pem.get(), 0600);
    try {
        write_new_file(
            std::filesystem::path(config.ca_certs) / (name + ".pem"), cert_pem.get(), 0644);
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(key_file, ec);  // no orphan key blocks the next ceremony
        throw;
    }
}

}  // namespace

int run_new_time_ca(const ServerConfig& config, const CeremonyRequest& request, std::ostream& out) {
    harden_process();  // the root key is in memory: no core dumps, no ptrace
    const CeremonyTimes times = check_request(config, request);
    const Root root = load_root(config, times);
    const std::string name = next_ca_name(config, request.family, times.from);
    const ossl::EvpPkeyPtr key{request.key_type == "ec"
                                   ? ::EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                   : ::EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})};
    ossl::check_ossl(key != nullptr, "EVP_PKEY_Q_keygen");
    const ossl::X509Ptr cert = make_time_ca(config, root, key.get(), name, times);
    write_time_ca(config, name, key.get(), cert.get());
    out << "{\"name\": \"" << name << "\", \"not_before\": \"" << format_utc(times.from)
        << "\", \"not_after\": \"" << format_utc(times.to) << "\"}\n";
    return exit_code::ok;
}

}  // namespace cassiopeia::server
