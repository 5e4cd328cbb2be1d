// The key ceremony: a new time CA signed by the root key.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "ceremony.hpp"

#include "issuance/ca_store.hpp"
#include "issuance/profile.hpp"
#include "ossl/handles.hpp"
#include "privileges.hpp"
#include "util/time_util.hpp"

#include <librecord/errors.hpp>
#include <librecord/io/unique_fd.hpp>

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

}  // namespace

int run_new_time_ca(const ServerConfig& config, const CeremonyRequest& request, std::ostream& out) {
    harden_process();  // the root key is in memory: no core dumps, no ptrace
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
    check_key_file_mode(config.root_key);
    const ossl::X509Ptr root{
        ::PEM_read_bio_X509(open_bio(config.root_cert).get(), nullptr, nullptr, nullptr)};
    // TODO(lead): encrypted root keys through a passphrase callback, PKCS#11 with SoftHSM2.
    const ossl::EvpPkeyPtr root_key{
        ::PEM_read_bio_PrivateKey(open_bio(config.root_key).get(), nullptr, nullptr, nullptr)};
    if (!root || !root_key || ::X509_check_private_key(root.get(), root_key.get()) != 1) {
        refuse("root_cert and root_key do not load or do not match");
    }
    if (*from < to_sys_seconds(::X509_get0_notBefore(root.get())) ||
        *to > to_sys_seconds(::X509_get0_notAfter(root.get()))) {
        refuse("the time CA must lie within the root's validity");
    }

    // The name: one above the highest n of this family and year (the CAs already made).
    const int year = static_cast<int>(
        std::chrono::year_month_day{std::chrono::floor<std::chrono::days>(*from)}.year());
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(config.ca_certs)) {
        const auto parts = parse_time_ca_name(entry.path().stem().string());
        if (parts && entry.path().extension() == ".pem" && parts->family == request.family &&
            parts->year == year) {
            n = std::max(n, parts->n);
        }
    }
    const std::string name =
        request.family + "_" + std::to_string(year) + "_" + std::to_string(n + 1);

    ossl::EvpPkeyPtr key{request.key_type == "ec"
                             ? ::EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                             : ::EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})};
    ossl::check_ossl(key != nullptr, "EVP_PKEY_Q_keygen");

    ossl::X509Ptr cert{::X509_new()};
    ossl::check_ossl(cert != nullptr && ::X509_set_version(cert.get(), X509_VERSION_3) == 1,
                     "X509_set_version");
    // RFC 5280 §4.1.2.2 and CA/B BR §7.1: a positive serial with 64+ bits from the CSPRNG.
    std::array<unsigned char, 16> raw{};
    ossl::check_ossl(::RAND_bytes(raw.data(), static_cast<int>(raw.size())) == 1, "RAND_bytes");
    raw[0] = static_cast<unsigned char>((raw[0] & 0x7FU) | 0x01U);
    const ossl::BignumPtr bn{::BN_bin2bn(raw.data(), static_cast<int>(raw.size()), nullptr)};
    ossl::check_ossl(bn && ::BN_to_ASN1_INTEGER(bn.get(), ::X509_get_serialNumber(cert.get())),
                     "BN_to_ASN1_INTEGER");
    ossl::check_ossl(::X509_set_issuer_name(cert.get(), ::X509_get_subject_name(root.get())) == 1,
                     "X509_set_issuer_name");
    // Subject: the root's O, CN "<root O> <name>" (the test PKI's shape).
    ossl::X509NamePtr subject{::X509_NAME_new()};
    const X509_NAME* root_name = ::X509_get_subject_name(root.get());
    std::string org = "Cassiopeia";
    if (const int i = ::X509_NAME_get_index_by_NID(root_name, NID_organizationName, -1); i >= 0) {
        const ASN1_STRING* v = ::X509_NAME_ENTRY_get_data(::X509_NAME_get_entry(root_name, i));
        org.assign(reinterpret_cast<const char*>(::ASN1_STRING_get0_data(v)),  // NOLINT: C API
                   static_cast<size_t>(::ASN1_STRING_length(v)));
    }
    const std::string cn = org + " " + name;
    ossl::check_ossl(
        ::X509_NAME_add_entry_by_NID(subject.get(),
                                     NID_organizationName,
                                     MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(org.c_str()),
                                     -1,
                                     -1,
                                     0) == 1 &&  // NOLINT
            ::X509_NAME_add_entry_by_NID(subject.get(),
                                         NID_commonName,
                                         MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>(cn.c_str()),
                                         -1,
                                         -1,
                                         0) == 1,  // NOLINT
        "X509_NAME_add_entry_by_NID");
    ossl::check_ossl(::X509_set_subject_name(cert.get(), subject.get()) == 1,
                     "X509_set_subject_name");
    set_time(::X509_getm_notBefore(cert.get()), *from);
    set_time(::X509_getm_notAfter(cert.get()), *to);
    ossl::check_ossl(::X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

    X509V3_CTX ctx;
    ::X509V3_set_ctx(&ctx, root.get(), cert.get(), nullptr, nullptr, 0);
    add_ext(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_ext(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_ext(cert.get(), &ctx, NID_subject_key_identifier, "hash");
    add_ext(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always");
    if (!config.profiles.empty()) {
        const auto profiles = ProfileSet::load(config.profiles);
        if (const Profile* subca = profiles.find("subca")) {
            if (!subca->crl_url.empty()) {
                add_ext(cert.get(), &ctx, NID_crl_distribution_points, "URI:" + subca->crl_url);
            }
            if (!subca->ca_issuers_url.empty()) {
                add_ext(
                    cert.get(), &ctx, NID_info_access, "caIssuers;URI:" + subca->ca_issuers_url);
            }
        }
    }
    ossl::check_ossl(::X509_sign(cert.get(), root_key.get(), ::EVP_sha256()) > 0, "X509_sign");
    // Check what was made before anything is written: signature, CA flag, key usage.
    if (::X509_verify(cert.get(), root_key.get()) != 1 || ::X509_check_ca(cert.get()) != 1 ||
        (::X509_get_key_usage(cert.get()) & KU_KEY_CERT_SIGN) == 0) {
        refuse("the new certificate failed its checks; nothing written");
    }

    const ossl::BioPtr key_pem{::BIO_new(::BIO_s_mem())};
    const ossl::BioPtr cert_pem{::BIO_new(::BIO_s_mem())};
    ossl::check_ossl(
        key_pem && cert_pem &&
            ::PEM_write_bio_PrivateKey(
                key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
            ::PEM_write_bio_X509(cert_pem.get(), cert.get()) == 1,
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
    out << "{\"name\": \"" << name << "\", \"not_before\": \"" << format_utc(*from)
        << "\", \"not_after\": \"" << format_utc(*to) << "\"}\n";
    return 0;
}

}  // namespace cassiopeia::server
