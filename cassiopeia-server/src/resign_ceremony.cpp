// The re-sign ceremony (resign_ceremony.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "resign_ceremony.hpp"

#include "ceremony_files.hpp"
#include "issuance/resign.hpp"
#include "privileges.hpp"
#include "repository/repository.hpp"
#include "repository/repository_claim.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <librecord/errors.hpp>
#include <librecord/hex.hpp>
#include <librecord/json.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <unistd.h>

namespace cassiopeia::server {

namespace {

[[noreturn]] void refuse(const std::string& why) {
    throw Error(ErrorKind::config, "resign", why);
}

/** The one certificate in the file `path` (PEM or DER); Error{config, what} otherwise. */
ParsedCertificate read_certificate(const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) {
        throw Error(ErrorKind::config, what, "cannot read " + path);
    }
    const std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in),
                                     std::istreambuf_iterator<char>()};
    auto der = certificate_der(bytes);
    auto parsed = der ? parse_certificate(*der) : std::nullopt;
    if (!parsed) {
        throw Error(ErrorKind::config, what, path + " is not one certificate (PEM or DER)");
    }
    return std::move(*parsed);
}

const EVP_MD* digest_for(const std::string& hash) {
    if (hash == "sha256") {
        return ::EVP_sha256();
    }
    if (hash == "sha384") {
        return ::EVP_sha384();
    }
    if (hash == "sha512") {
        return ::EVP_sha512();
    }
    refuse("--hash must be sha256, sha384 or sha512");
}

/** --serial: decimal digits, or 0x and hex digits; the magnitude, big-endian. */
std::vector<uint8_t> parse_new_serial(const std::string& text) {
    const bool hex = text.size() > 2 && text.compare(0, 2, "0x") == 0;
    const std::string digits = hex ? text.substr(2) : text;
    const bool ok = !digits.empty() && digits.size() <= 60 &&
                    std::all_of(digits.begin(), digits.end(), [hex](char c) {
                        return (c >= '0' && c <= '9') ||
                               (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
                    });
    BIGNUM* raw = nullptr;
    if (!ok || (hex ? ::BN_hex2bn(&raw, digits.c_str()) : ::BN_dec2bn(&raw, digits.c_str())) !=
                   static_cast<int>(digits.size())) {
        ::BN_free(raw);
        refuse("--serial must be decimal digits or 0x and hex digits");
    }
    const ossl::BignumPtr bn{raw};
    std::vector<uint8_t> out(static_cast<size_t>(BN_num_bytes(bn.get())));
    ::BN_bn2bin(bn.get(), out.data());
    return out;
}

/** A URL for a certificate's IA5String: printable ASCII, no blank, with a scheme. */
void check_url(const std::string& url, const char* option) {
    const bool ok = url.find(':') != std::string::npos && url.size() <= 1024 &&
                    std::all_of(url.begin(), url.end(), [](char c) { return c > ' ' && c < 0x7f; });
    if (!ok) {
        refuse(std::string(option) + " must be a URL (printable ASCII, no blanks): " + url);
    }
}

ResignChanges changes_of(const ResignRequest& request) {
    ResignChanges changes;
    changes.md = digest_for(request.hash);
    if (!request.serial.empty()) {
        changes.serial = parse_new_serial(request.serial);
    }
    for (const auto& url : request.crl_urls) {
        check_url(url, "--crl-dp");
    }
    for (const auto& url : request.ocsp_urls) {
        check_url(url, "--ocsp");
    }
    changes.crl_urls = request.crl_urls;
    changes.ocsp_urls = request.ocsp_urls;
    if (!request.aki.empty() && request.aki != "keyid") {
        refuse("--aki takes keyid: the authority key identifier reduced to its key identifier");
    }
    changes.aki_key_id_only = request.aki == "keyid";
    return changes;
}

std::string lower_hex_fingerprint(std::span<const uint8_t> der) {
    return librecord::to_hex(Sha256::digest(der), librecord::HexCase::lower);
}

std::string serial_hex(X509* cert) {
    const ossl::BignumPtr bn{::ASN1_INTEGER_to_BN(::X509_get0_serialNumber(cert), nullptr)};
    const ossl::OsslStringPtr hex{bn ? ::BN_bn2hex(bn.get()) : nullptr};
    ossl::check_ossl(hex != nullptr, "BN_bn2hex");
    return hex.get();
}

/** The `resign` audit entry, as the signer's user (no repository file becomes root's). */
void record_resign(const ServerConfig& config,
                   const ParsedCertificate& old_cert,
                   const ParsedCertificate& new_cert,
                   const std::vector<uint8_t>& issuer_der,
                   const ResignRequest& request,
                   const ResignChanges& changes) {
    drop_privileges(config.user, config.group);
    std::string changed;
    for (const auto& field : changed_fields(changes)) {
        changed += (changed.empty() ? "" : ",") + field;
    }
    const std::string detail = "old_sha256=" + lower_hex_fingerprint(old_cert.der) +
                               " new_sha256=" + lower_hex_fingerprint(new_cert.der) +
                               " issuer_sha256=" + lower_hex_fingerprint(issuer_der) +
                               " old_serial=" + serial_hex(old_cert.x509.get()) +
                               " serial=" + serial_hex(new_cert.x509.get()) +
                               " hash=" + request.hash + " changed=" + changed;
    Repository repo = Repository::open(config.repository);
    (void)repo.lock().audit().append("resign", detail);
}

std::string subject_text(X509* cert) {
    const ossl::BioPtr bio{::BIO_new(::BIO_s_mem())};
    ossl::check_ossl(bio && ::X509_NAME_print_ex(
                                bio.get(), ::X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0,
                     "X509_NAME_print_ex");
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio.get(), &data);  // NOLINT(*-cstyle-cast)
    return {data, static_cast<size_t>(len)};
}

}  // namespace

int run_resign(const ServerConfig& config, const ResignRequest& request, std::ostream& out) {
    if (::geteuid() == 0 && config.user.empty()) {
        refuse("as root, set 'user': the ceremony is recorded in the repository as that user");
    }
    // Held to the end: no signer starts serving while the ceremony runs (docs/repository.md).
    const RepositoryClaim claim = RepositoryClaim::take(config.repository);
    if (std::filesystem::exists(std::filesystem::symlink_status(request.out))) {
        refuse(request.out + " exists: resign never overwrites a file");
    }
    const ResignChanges changes = changes_of(request);
    const ParsedCertificate old_cert = read_certificate(request.cert, "--cert");
    const bool self_signed = request.issuer_cert.empty();
    std::optional<ParsedCertificate> issuer_cert;
    if (!self_signed) {
        issuer_cert = read_certificate(request.issuer_cert, "--issuer-cert");
    }
    X509* issuer = self_signed ? old_cert.x509.get() : issuer_cert->x509.get();
    if (self_signed &&
        ::X509_NAME_cmp(::X509_get_subject_name(issuer), ::X509_get_issuer_name(issuer)) != 0) {
        refuse(
            "--key re-signs a self-signed root; give --issuer-cert and --issuer-key for a "
            "certificate issued by another");
    }
    const CaKey key = self_signed ? load_ca_key("--key", request.key, issuer)
                                  : load_ca_key("--issuer-key", request.issuer_key, issuer);
    const ParsedCertificate new_cert = resign_certificate(old_cert, issuer, key, changes);
    const ossl::BioPtr pem{::BIO_new(::BIO_s_mem())};
    ossl::check_ossl(pem && ::PEM_write_bio_X509(pem.get(), new_cert.x509.get()) == 1,
                     "PEM_write_bio_X509");
    char* data = nullptr;
    const long len = BIO_get_mem_data(pem.get(), &data);  // NOLINT(*-cstyle-cast)
    const std::filesystem::path out_path{request.out};
    write_new_file(out_path, std::string_view{data, static_cast<size_t>(len)}, 0644, "resign");
    sync_folder(std::filesystem::absolute(out_path).parent_path(), "resign");
    const auto issuer_der = self_signed ? old_cert.der : issuer_cert->der;
    try {
        record_resign(config, old_cert, new_cert, issuer_der, request, changes);
    } catch (const Error& e) {
        refuse("wrote " + request.out + " but could not record it in the audit chain: " + e.what());
    }
    out << "{\"out\": " << librecord::json_string(request.out)
        << ", \"subject\": " << librecord::json_string(subject_text(new_cert.x509.get()))
        << ", \"serial\": \"" << serial_hex(new_cert.x509.get()) << "\", \"old_sha256\": \""
        << sha256_fingerprint(old_cert.der) << "\", \"new_sha256\": \""
        << sha256_fingerprint(new_cert.der) << "\", \"issuer_sha256\": \""
        << sha256_fingerprint(issuer_der) << "\"}\n";
    return exit_code::ok;
}

int run_compare(const CompareRequest& request, std::ostream& out) {
    std::set<std::string> allowed;
    for (const auto& name : request.allow) {
        const auto field = allowable_field(name);
        if (!field) {
            throw Error(ErrorKind::config,
                        "compare",
                        "--allow " + name +
                            ": not a field that may differ (validity never may; extensions by "
                            "name or dotted OID)");
        }
        allowed.insert(*field);
    }
    const ParsedCertificate old_cert = read_certificate(request.old_cert, "compare");
    const ParsedCertificate new_cert = read_certificate(request.new_cert, "compare");
    out << "old " << request.old_cert << " SHA256 " << sha256_fingerprint(old_cert.der) << '\n'
        << "new " << request.new_cert << " SHA256 " << sha256_fingerprint(new_cert.der) << '\n';
    const CertComparison comparison = compare_certificates(old_cert, new_cert, allowed);
    std::string differing;
    for (const auto& f : comparison.fields) {
        static constexpr std::array<const char*, 3> verdicts{"same", "allowed", "DIFFERS"};
        out << f.field << ' ' << verdicts.at(static_cast<size_t>(f.verdict)) << ": ";
        if (f.verdict == FieldVerdict::same) {
            out << f.old_text << '\n';
        } else {
            out << f.old_text << " -> " << f.new_text << '\n';
        }
        if (f.verdict == FieldVerdict::differs) {
            differing += (differing.empty() ? "" : ", ") + f.field;
        }
    }
    if (!comparison.equivalent()) {
        out << "result: NOT equivalent, differing: " << differing << '\n';
        return exit_code::failure;
    }
    out << "result: equivalent but for the allowed fields\n";
    return exit_code::ok;
}

}  // namespace cassiopeia::server
