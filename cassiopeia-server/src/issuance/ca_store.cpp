// Time CA loading (permission, key and certificate checks) and selection by family.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/ca_store.hpp"

#include <librecord/errors.hpp>
#include <librecord/utc.hpp>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <tuple>

namespace cassiopeia::server {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& why) {
    throw cassiopeia::Error{cassiopeia::ErrorKind::config, what, why};
}

std::optional<int> parse_int(std::string_view s, size_t max_len) {
    if (s.empty() || s.size() > max_len || s.front() == '0') {
        return std::nullopt;
    }
    const auto v = librecord::decimal_digits(s, 0, s.size());
    if (!v) {
        return std::nullopt;
    }
    return static_cast<int>(*v);
}

/**
 * Why the line may not use `cert` as an issuing CA, judged on the certificate alone: a time CA
 * is a sub-CA of the root that can sign end entities only (docs/key-ceremony.md).
 */
std::string intrinsic_withholding(X509* cert) {
    if (::X509_NAME_cmp(::X509_get_subject_name(cert), ::X509_get_issuer_name(cert)) == 0) {
        return "self-issued (a root, not a time CA)";
    }
    const int self_signed = ::X509_self_signed(cert, 1);
    ::ERR_clear_error();
    if (self_signed == 1) {
        return "self-signed (a root, not a time CA)";
    }
    const long path_len = ::X509_get_pathlen(cert);
    if (path_len < 0) {
        return "no pathLenConstraint (a time CA has pathLen 0)";
    }
    if (path_len != 0) {
        return "pathLenConstraint " + std::to_string(path_len) + " (a time CA has pathLen 0)";
    }
    return {};
}

/** What `cert` shares with `other`: the certificate, its key or its subject; empty: nothing. */
std::string shared_with(X509* cert, X509* other) {
    if (::X509_cmp(cert, other) == 0) {
        return "certificate";
    }
    const int same_key = ::EVP_PKEY_eq(::X509_get0_pubkey(cert), ::X509_get0_pubkey(other));
    ::ERR_clear_error();
    if (same_key == 1) {
        return "key";
    }
    if (::X509_NAME_cmp(::X509_get_subject_name(cert), ::X509_get_subject_name(other)) == 0) {
        return "subject";
    }
    return {};
}

void withhold(TimeCa& ca, const std::string& why) {
    if (ca.withheld.empty()) {
        ca.withheld = why;
    } else {
        ca.withheld += "; " + why;
    }
}

}  // namespace

std::optional<TimeCaName> parse_time_ca_name(std::string_view name) {
    const size_t last = name.rfind('_');
    if (last == std::string_view::npos || last == 0) {
        return std::nullopt;
    }
    const size_t mid = name.rfind('_', last - 1);
    if (mid == std::string_view::npos || mid == 0) {
        return std::nullopt;
    }
    const std::string_view family = name.substr(0, mid);
    if (!std::all_of(family.begin(), family.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        })) {
        return std::nullopt;
    }
    const auto year = parse_int(name.substr(mid + 1, last - mid - 1), 4);
    const auto n = parse_int(name.substr(last + 1), 4);
    if (!year || !n || *year < 1950) {
        return std::nullopt;
    }
    return TimeCaName{std::string{family}, *year, *n};
}

SysSeconds to_sys_seconds(const ASN1_TIME* t) {
    std::tm tm{};
    ossl::check_ossl(t != nullptr && ::ASN1_TIME_to_tm(t, &tm) == 1, "ASN1_TIME_to_tm");
    const std::chrono::year_month_day ymd{std::chrono::year{tm.tm_year + 1900},
                                          std::chrono::month{static_cast<unsigned>(tm.tm_mon + 1)},
                                          std::chrono::day{static_cast<unsigned>(tm.tm_mday)}};
    return SysSeconds{std::chrono::sys_days{ymd}} + std::chrono::hours{tm.tm_hour} +
           std::chrono::minutes{tm.tm_min} + std::chrono::seconds{tm.tm_sec};
}

CaStore CaStore::load(const std::filesystem::path& cert_dir, const std::string& keys) {
    CaStore store;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(cert_dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".pem" &&
            parse_time_ca_name(entry.path().stem().string())) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    const bool in_token = librecord::pkcs11::is_uri(keys);
    for (const auto& cert_path : files) {
        const std::string name = cert_path.stem().string();
        const ossl::BioPtr cert_bio{::BIO_new_file(cert_path.c_str(), "r")};
        ossl::check_ossl(cert_bio != nullptr, "BIO_new_file");
        ossl::X509Ptr cert{::PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr)};
        if (!cert) {
            fail("CA " + name,
                 "unreadable certificate " + cert_path.string() + ": " + ossl::drain_errors());
        }
        const std::string ref = in_token ? librecord::pkcs11::key_uri(keys, name)
                                         : (std::filesystem::path(keys) / (name + ".key")).string();
        CaKey key = load_ca_key("CA " + name, ref, cert.get());
        store.add(name, std::move(cert), std::move(key));
    }
    return store;
}

void CaStore::check_keys() const {
    for (const auto& ca : m_cas) {
        if (ca.key.token() == nullptr) {
            continue;
        }
        try {
            ca.key.check_matches(ca.cert.get());
        } catch (const Error& e) {
            // A configured key that cannot sign at start is the operator's to fix (exit 2).
            throw Error{ErrorKind::config, "CA " + ca.name, e.detail()};
        }
    }
}

void CaStore::add(std::string name, ossl::X509Ptr cert, CaKey key) {
    auto parts = parse_time_ca_name(name);
    if (!parts) {
        fail("CA " + name, "name is not <family>_<year>_<n>");
    }
    if (find(name) != nullptr) {
        fail("CA " + name, "loaded twice");
    }
    if (key.token() == nullptr) {
        try {
            key.check_matches(cert.get());
        } catch (const Error& e) {
            fail("CA " + name, e.detail());
        }
    }
    const int id = ::EVP_PKEY_get_base_id(key.public_key());
    if (id != EVP_PKEY_RSA && id != EVP_PKEY_EC) {
        fail("CA " + name, "CA key must be RSA or EC");
    }
    if (::X509_check_ca(cert.get()) < 1 || ::X509_get0_subject_key_id(cert.get()) == nullptr) {
        ::ERR_clear_error();
        fail("CA " + name, "certificate is not a CA with a subject key identifier");
    }
    TimeCa ca;
    ca.name = std::move(name);
    ca.parts = std::move(*parts);
    ca.not_before = to_sys_seconds(::X509_get0_notBefore(cert.get()));
    ca.not_after = to_sys_seconds(::X509_get0_notAfter(cert.get()));
    ca.withheld = intrinsic_withholding(cert.get());
    ca.cert = std::move(cert);
    ca.key = std::move(key);
    m_cas.push_back(std::move(ca));
}

void CaStore::withhold_family(std::string_view family, const std::string& why) {
    for (auto& ca : m_cas) {
        if (ca.parts.family == family) {
            withhold(ca, why);
        }
    }
}

void CaStore::withhold_matching(X509* other, const std::string& what) {
    for (auto& ca : m_cas) {
        if (const auto shared = shared_with(ca.cert.get(), other); !shared.empty()) {
            withhold(ca, "same " + shared + " as the " + what);
        }
    }
}

std::vector<std::string> CaStore::withheld_report() const {
    std::vector<std::string> out;
    for (const auto& ca : m_cas) {
        if (!ca.served()) {
            out.push_back("CA " + ca.name + ": " + ca.withheld);
        }
    }
    return out;
}

const TimeCa* CaStore::find(std::string_view name) const {
    const auto it =
        std::find_if(m_cas.begin(), m_cas.end(), [&](const TimeCa& c) { return c.name == name; });
    return it == m_cas.end() ? nullptr : &*it;
}

const TimeCa* CaStore::find_served(std::string_view name) const {
    const TimeCa* ca = find(name);
    return ca != nullptr && ca->served() ? ca : nullptr;
}

const TimeCa* CaStore::pick(std::string_view family, SysSeconds now) const {
    const TimeCa* best = nullptr;
    for (const auto& ca : m_cas) {
        if (ca.parts.family != family || !ca.served() || !ca.valid_at(now)) {
            continue;
        }
        if (best == nullptr ||
            std::tie(ca.parts.year, ca.parts.n) > std::tie(best->parts.year, best->parts.n)) {
            best = &ca;
        }
    }
    return best;
}

}  // namespace cassiopeia::server
