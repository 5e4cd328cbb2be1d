// Two certificates compared field by field (cert_compare.hpp).
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/cert_compare.hpp"

#include "request_hash.hpp"

#include <librecord/hex.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <map>

namespace cassiopeia::server {

namespace {

using ossl::to_der;

constexpr std::array<std::string_view, 9> allowable_fixed_fields{"version",
                                                                 "serial",
                                                                 "signature",
                                                                 "issuer",
                                                                 "subject",
                                                                 "key",
                                                                 "issuer-uid",
                                                                 "subject-uid",
                                                                 "extension-order"};

/** Never allowed to differ: the period the certificate vouches for, and the bytes outside any
 * field. */
constexpr std::array<std::string_view, 3> never_allowed_fields{
    "validity", "encoding", "certificate"};

/** A memory BIO's text on one line: newlines become "; ", runs of blanks one blank. */
std::string one_line(BIO* bio) {
    char* data = nullptr;
    const long len =
        BIO_get_mem_data(bio, &data);  // NOLINT(cppcoreguidelines-pro-type-cstyle-cast)
    std::string out;
    bool blank = false;
    for (long i = 0; i < len; ++i) {
        const char c = data[i];  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        if (c == '\n' || c == '\r') {
            if (!out.empty() && out.back() != ' ') {
                out += "; ";
            }
            blank = true;
        } else if (c == ' ' || c == '\t') {
            blank = true;
        } else {
            if (blank && !out.empty() && out.back() != ' ') {
                out += ' ';
            }
            blank = false;
            out += c;
        }
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == ';')) {
        out.pop_back();
    }
    return out;
}

/** Runs `print` into a memory BIO and returns its one-line text, or `fallback` on failure. */
template <typename Print>
std::string printed(Print&& print, const std::string& fallback) {
    const ossl::BioPtr bio{::BIO_new(::BIO_s_mem())};
    if (!bio || !print(bio.get())) {
        ::ERR_clear_error();
        return fallback;
    }
    return one_line(bio.get());
}

std::string hex_text(std::span<const uint8_t> bytes) {
    constexpr size_t shown = 48;
    if (bytes.size() <= shown) {
        return librecord::to_hex(bytes);
    }
    return librecord::to_hex(bytes.first(shown)) + "... (" + std::to_string(bytes.size()) +
           " bytes)";
}

std::span<const uint8_t> string_bytes(const ASN1_STRING* s) {
    return {::ASN1_STRING_get0_data(s), static_cast<size_t>(::ASN1_STRING_length(s))};
}

std::string integer_text(const ASN1_INTEGER* i) {
    const ossl::BignumPtr bn{::ASN1_INTEGER_to_BN(i, nullptr)};
    const ossl::OsslStringPtr hex{bn ? ::BN_bn2hex(bn.get()) : nullptr};
    return hex ? std::string(hex.get()) : hex_text(string_bytes(i));
}

std::string object_text(const ASN1_OBJECT* oid) {
    std::array<char, 128> buf{};
    const int n = ::OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), oid, 0);
    return n > 0 ? std::string(buf.data()) : "?";
}

std::string algorithm_text(const X509_ALGOR* alg) {
    const ASN1_OBJECT* oid = nullptr;
    ::X509_ALGOR_get0(&oid, nullptr, nullptr, alg);
    return object_text(oid);
}

std::string name_text(const X509_NAME* name) {
    return printed(
        [name](BIO* b) { return ::X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0; }, "?");
}

std::string time_text(const ASN1_TIME* t) {
    const char* type =
        ::ASN1_STRING_type(t) == V_ASN1_UTCTIME ? " (UTCTime)" : " (GeneralizedTime)";
    return printed([t](BIO* b) { return ::ASN1_TIME_print_ex(b, t, ASN1_DTFLGS_ISO8601) == 1; },
                   "?") +
           type;
}

std::string key_text(X509* cert) {
    const auto spki = to_der(::i2d_X509_PUBKEY, ::X509_get_X509_PUBKEY(cert), "i2d_X509_PUBKEY");
    const auto digest = Sha256::digest(spki);
    std::string text = "spki-sha256 " + librecord::to_hex(digest, librecord::HexCase::lower);
    if (EVP_PKEY* key = ::X509_get0_pubkey(cert); key != nullptr) {
        text =
            std::string(::EVP_PKEY_get0_type_name(key) != nullptr ? ::EVP_PKEY_get0_type_name(key)
                                                                  : "?") +
            " " + std::to_string(::EVP_PKEY_get_bits(key)) + " bit, " + text;
    }
    ::ERR_clear_error();
    return text;
}

std::string extension_text(X509_EXTENSION* ext) {
    const std::string critical = ::X509_EXTENSION_get_critical(ext) != 0 ? "critical: " : "";
    return critical + printed([ext](BIO* b) { return ::X509V3_EXT_print(b, ext, 0, 0) == 1; },
                              "value " + hex_text(string_bytes(::X509_EXTENSION_get_data(ext))));
}

bool same_string(const ASN1_STRING* a, const ASN1_STRING* b) {
    if (a == nullptr || b == nullptr) {
        return a == b;
    }
    return ::ASN1_STRING_cmp(a, b) == 0 && ::ASN1_STRING_type(a) == ::ASN1_STRING_type(b);
}

/** The extensions of `cert` in order, each named by extension_field (`#2`... on repeats). */
std::vector<std::pair<std::string, X509_EXTENSION*>> named_extensions(X509* cert) {
    std::vector<std::pair<std::string, X509_EXTENSION*>> out;
    std::map<std::string, int> seen;
    for (int i = 0; i < ::X509_get_ext_count(cert); ++i) {
        X509_EXTENSION* ext = ::X509_get_ext(cert, i);
        std::string name = extension_field(::X509_EXTENSION_get_object(ext));
        if (const int n = ++seen[name]; n > 1) {
            name += "#" + std::to_string(n);
        }
        out.emplace_back(std::move(name), ext);
    }
    return out;
}

/** The TBS bytes of a certificate's DER as given: the first element of its SEQUENCE. */
std::optional<std::span<const uint8_t>> given_tbs(std::span<const uint8_t> der) {
    const unsigned char* p = der.data();
    long len = 0;
    int tag = 0;
    int cls = 0;
    if ((::ASN1_get_object(&p, &len, &tag, &cls, static_cast<long>(der.size())) & 0x80) != 0) {
        return std::nullopt;
    }
    const unsigned char* tbs = p;
    const auto left = static_cast<long>(der.size()) - (p - der.data());
    if ((::ASN1_get_object(&p, &len, &tag, &cls, left) & 0x80) != 0 || len < 0 ||
        len > left - (p - tbs)) {
        return std::nullopt;
    }
    return der.subspan(static_cast<size_t>(tbs - der.data()), static_cast<size_t>((p - tbs) + len));
}

/**
 * True when `c`'s bytes are what OpenSSL writes for what it parsed: the whole certificate
 * (outer fields around the TBS as read), and the TBS encoded afresh from its fields.
 */
bool canonical(const ParsedCertificate& c) {
    if (to_der(::i2d_X509, c.x509.get(), "i2d_X509") != c.der) {
        return false;
    }
    const auto tbs = given_tbs(c.der);
    ::ERR_clear_error();
    const ossl::X509Ptr copy{::X509_dup(c.x509.get())};
    ossl::check_ossl(copy != nullptr, "X509_dup");
    const auto fresh = to_der(::i2d_re_X509_tbs, copy.get(), "i2d_re_X509_tbs");
    return tbs && std::equal(tbs->begin(), tbs->end(), fresh.begin(), fresh.end());
}

class Comparer final {
public:
    explicit Comparer(const std::set<std::string>& allowed) : m_allowed(allowed) {}

    void add(std::string field, bool same, std::string old_text, std::string new_text) {
        FieldVerdict verdict = FieldVerdict::same;
        if (!same) {
            const bool never =
                std::find(never_allowed_fields.begin(), never_allowed_fields.end(), field) !=
                never_allowed_fields.end();
            verdict = !never && m_allowed.count(field) != 0 ? FieldVerdict::allowed
                                                            : FieldVerdict::differs;
        }
        m_out.fields.push_back(
            {std::move(field), verdict, std::move(old_text), std::move(new_text)});
    }

    [[nodiscard]] CertComparison take() { return std::move(m_out); }

private:
    const std::set<std::string>& m_allowed;
    CertComparison m_out;
};

void compare_signature(Comparer& cmp, X509* a, X509* b) {
    const ASN1_BIT_STRING* sig_a = nullptr;
    const ASN1_BIT_STRING* sig_b = nullptr;
    const X509_ALGOR* outer_a = nullptr;
    const X509_ALGOR* outer_b = nullptr;
    ::X509_get0_signature(&sig_a, &outer_a, a);
    ::X509_get0_signature(&sig_b, &outer_b, b);
    const X509_ALGOR* inner_a = ::X509_get0_tbs_sigalg(a);
    const X509_ALGOR* inner_b = ::X509_get0_tbs_sigalg(b);
    const bool same = to_der(::i2d_X509_ALGOR, inner_a) == to_der(::i2d_X509_ALGOR, inner_b) &&
                      to_der(::i2d_X509_ALGOR, outer_a) == to_der(::i2d_X509_ALGOR, outer_b) &&
                      same_string(sig_a, sig_b);
    const auto text = [](const X509_ALGOR* inner, const X509_ALGOR* outer) {
        const std::string in = algorithm_text(inner);
        const std::string out = algorithm_text(outer);
        return in == out ? in : in + " (outside the TBS: " + out + ")";
    };
    cmp.add("signature", same, text(inner_a, outer_a), text(inner_b, outer_b));
}

void compare_body(Comparer& cmp, X509* a, X509* b) {
    cmp.add("version",
            ::X509_get_version(a) == ::X509_get_version(b),
            "v" + std::to_string(::X509_get_version(a) + 1),
            "v" + std::to_string(::X509_get_version(b) + 1));
    const ASN1_INTEGER* serial_a = ::X509_get0_serialNumber(a);
    const ASN1_INTEGER* serial_b = ::X509_get0_serialNumber(b);
    cmp.add("serial",
            to_der(::i2d_ASN1_INTEGER, serial_a) == to_der(::i2d_ASN1_INTEGER, serial_b),
            integer_text(serial_a),
            integer_text(serial_b));
    compare_signature(cmp, a, b);
    const auto name = [&cmp](const char* field, const X509_NAME* x, const X509_NAME* y) {
        cmp.add(field,
                to_der(::i2d_X509_NAME, x) == to_der(::i2d_X509_NAME, y),
                name_text(x),
                name_text(y));
    };
    name("issuer", ::X509_get_issuer_name(a), ::X509_get_issuer_name(b));
    const auto period = [](X509* x) {
        return time_text(::X509_get0_notBefore(x)) + " to " + time_text(::X509_get0_notAfter(x));
    };
    cmp.add("validity",
            to_der(::i2d_ASN1_TIME, ::X509_get0_notBefore(a)) ==
                    to_der(::i2d_ASN1_TIME, ::X509_get0_notBefore(b)) &&
                to_der(::i2d_ASN1_TIME, ::X509_get0_notAfter(a)) ==
                    to_der(::i2d_ASN1_TIME, ::X509_get0_notAfter(b)),
            period(a),
            period(b));
    name("subject", ::X509_get_subject_name(a), ::X509_get_subject_name(b));
    cmp.add("key",
            to_der(::i2d_X509_PUBKEY, ::X509_get_X509_PUBKEY(a)) ==
                to_der(::i2d_X509_PUBKEY, ::X509_get_X509_PUBKEY(b)),
            key_text(a),
            key_text(b));
    std::array<const ASN1_BIT_STRING*, 2> uids_a{};
    std::array<const ASN1_BIT_STRING*, 2> uids_b{};
    ::X509_get0_uids(a, &uids_a[0], &uids_a[1]);
    ::X509_get0_uids(b, &uids_b[0], &uids_b[1]);
    const auto uid_text = [](const ASN1_BIT_STRING* s) {
        return s == nullptr ? std::string("absent") : hex_text(string_bytes(s));
    };
    cmp.add(
        "issuer-uid", same_string(uids_a[0], uids_b[0]), uid_text(uids_a[0]), uid_text(uids_b[0]));
    cmp.add(
        "subject-uid", same_string(uids_a[1], uids_b[1]), uid_text(uids_a[1]), uid_text(uids_b[1]));
}

void compare_extensions(Comparer& cmp, X509* a, X509* b) {
    const auto exts_a = named_extensions(a);
    const auto exts_b = named_extensions(b);
    const auto find = [](const auto& exts, const std::string& name) -> X509_EXTENSION* {
        const auto it = std::find_if(
            exts.begin(), exts.end(), [&name](const auto& e) { return e.first == name; });
        return it == exts.end() ? nullptr : it->second;
    };
    std::vector<std::string> names;
    for (const auto& [name, ext] : exts_a) {
        names.push_back(name);
    }
    for (const auto& [name, ext] : exts_b) {
        if (find(exts_a, name) == nullptr) {
            names.push_back(name);
        }
    }
    std::string order_a;
    std::string order_b;
    for (const auto& name : names) {
        X509_EXTENSION* x = find(exts_a, name);
        X509_EXTENSION* y = find(exts_b, name);
        const bool same = x != nullptr && y != nullptr &&
                          to_der(::i2d_X509_EXTENSION, x) == to_der(::i2d_X509_EXTENSION, y);
        cmp.add(name,
                same,
                x != nullptr ? extension_text(x) : "absent",
                y != nullptr ? extension_text(y) : "absent");
    }
    const auto common_order = [](const auto& exts, const auto& other, const auto& present) {
        std::string order;
        for (const auto& [name, ext] : exts) {
            if (present(other, name) != nullptr) {
                order += (order.empty() ? "" : ",") + name;
            }
        }
        return order;
    };
    order_a = common_order(exts_a, exts_b, find);
    order_b = common_order(exts_b, exts_a, find);
    cmp.add("extension-order", order_a == order_b, order_a, order_b);
}

}  // namespace

bool CertComparison::equivalent() const noexcept {
    return std::none_of(fields.begin(), fields.end(), [](const FieldComparison& f) {
        return f.verdict == FieldVerdict::differs;
    });
}

std::optional<ParsedCertificate> parse_certificate(std::span<const uint8_t> der) {
    ossl::X509Ptr x509 = ossl::parse_cert_der(der);
    if (!x509) {
        return std::nullopt;
    }
    return ParsedCertificate{std::move(x509), {der.begin(), der.end()}};
}

std::optional<std::vector<uint8_t>> certificate_der(std::span<const uint8_t> text) {
    constexpr std::string_view pem_start = "-----BEGIN";
    if (text.size() < pem_start.size() ||
        !std::equal(pem_start.begin(), pem_start.end(), text.begin())) {
        return std::vector<uint8_t>(text.begin(), text.end());
    }
    const ossl::BioPtr bio{::BIO_new_mem_buf(text.data(), static_cast<int>(text.size()))};
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    const bool read = bio && ::PEM_read_bio(bio.get(), &name, &header, &data, &len) == 1;
    const ossl::OsslStringPtr owned_name{name};
    const ossl::OsslStringPtr owned_header{header};
    const ossl::OsslBytesPtr owned_data{data};
    ::ERR_clear_error();
    if (!read || (std::string_view{name} != PEM_STRING_X509 &&
                  std::string_view{name} != PEM_STRING_X509_OLD)) {
        return std::nullopt;
    }
    return std::vector<uint8_t>(data, data + len);  // NOLINT(*-pointer-arithmetic)
}

std::string extension_field(const ASN1_OBJECT* oid) {
    const int nid = ::OBJ_obj2nid(oid);
    if (nid != NID_undef) {
        return ::OBJ_nid2sn(nid);
    }
    std::array<char, 128> buf{};
    const int n = ::OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), oid, 1);
    return n > 0 && static_cast<size_t>(n) < buf.size() ? std::string(buf.data()) : "?";
}

std::optional<std::string> allowable_field(std::string_view name) {
    if (std::find(allowable_fixed_fields.begin(), allowable_fixed_fields.end(), name) !=
        allowable_fixed_fields.end()) {
        return std::string(name);
    }
    const bool dotted = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= '0' && c <= '9') || c == '.';
    });
    const std::string text(name);
    const ossl::Asn1ObjectPtr oid{::OBJ_txt2obj(text.c_str(), 0)};
    ::ERR_clear_error();
    if (!oid) {
        return std::nullopt;
    }
    // A name must be an extension OpenSSL knows; a dotted OID may be any extension.
    if (!dotted && ::X509V3_EXT_get_nid(::OBJ_obj2nid(oid.get())) == nullptr) {
        return std::nullopt;
    }
    return extension_field(oid.get());
}

CertComparison compare_certificates(const ParsedCertificate& old_cert,
                                    const ParsedCertificate& new_cert,
                                    const std::set<std::string>& allowed) {
    Comparer cmp(allowed);
    X509* a = old_cert.x509.get();
    X509* b = new_cert.x509.get();
    compare_body(cmp, a, b);
    compare_extensions(cmp, a, b);
    const bool canonical_a = canonical(old_cert);
    const bool canonical_b = canonical(new_cert);
    cmp.add("encoding",
            canonical_a && canonical_b,
            canonical_a ? "DER" : "not DER as parsed",
            canonical_b ? "DER" : "not DER as parsed");
    CertComparison out = cmp.take();
    const bool fields_same = std::all_of(out.fields.begin(), out.fields.end(), [](const auto& f) {
        return f.verdict == FieldVerdict::same;
    });
    if (fields_same && old_cert.der != new_cert.der) {
        out.fields.push_back({"certificate",
                              FieldVerdict::differs,
                              sha256_fingerprint(old_cert.der),
                              sha256_fingerprint(new_cert.der)});
    }
    return out;
}

std::string sha256_fingerprint(std::span<const uint8_t> der) {
    const auto hex = librecord::to_hex(Sha256::digest(der));
    std::string out;
    for (size_t i = 0; i < hex.size(); i += 2) {
        out += (i == 0 ? "" : ":") + hex.substr(i, 2);
    }
    return out;
}

}  // namespace cassiopeia::server
