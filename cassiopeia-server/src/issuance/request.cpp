// SignRequest set-up commands with syntax checks (§5.2, §7) and the profile and proof checks.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/request.hpp"

#include "issuance/idna.hpp"

#include <librecord/limits.hpp>

#include <algorithm>
#include <array>

namespace cassiopeia::server {

namespace {

namespace limits = librecord::limits;

// §5.2: RFC 5280 upper bounds, in characters.
constexpr std::array<AvaSpec, 6> ava_specs = {{
    {"CN", "2.5.4.3", 64},
    {"O", "2.5.4.10", 64},
    {"C", "2.5.4.6", 2},
    {"ST", "2.5.4.8", 128},
    {"L", "2.5.4.7", 128},
    {"emailAddress", "1.2.840.113549.1.9.1", 255},
}};

constexpr size_t max_dns_name = 253;
constexpr size_t max_dns_label = 63;
constexpr size_t max_email = 254;
constexpr size_t max_local_part = 64;

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool valid_label(std::string_view l) {
    if (l.empty() || l.size() > max_dns_label || l.front() == '-' || l.back() == '-') {
        return false;
    }
    if (!std::all_of(l.begin(), l.end(), [](char c) { return is_alnum(c) || c == '-'; })) {
        return false;
    }
    // RFC 5890: labels with "--" in positions 3-4 are reserved; only A-labels (xn--, in any
    // case: normalise_dns_name lower-cases them) are used.
    return !(l.size() >= 4 && l.substr(2, 2) == "--" && (lower(l[0]) != 'x' || lower(l[1]) != 'n'));
}

size_t utf8_chars(std::string_view s) {
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0U) != 0x80U;
    }));
}

std::string_view trim_command(std::string_view payload, std::string_view& rest) {
    const size_t comma = payload.find(',');
    if (comma == std::string_view::npos) {
        rest = {};
        return payload;
    }
    rest = payload.substr(comma + 1);
    return payload.substr(0, comma);
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lower(x) == lower(y);
           });
}

/** The organisations column (§5.3) that proves an organisation field, or nullopt. */
std::optional<std::string> organisation_column(std::string_view short_name) {
    if (short_name == "O") {
        return "name";
    }
    if (short_name == "C") {
        return "country";
    }
    if (short_name == "ST") {
        return "state";
    }
    if (short_name == "L") {
        return "locality";
    }
    return std::nullopt;
}

}  // namespace

const AvaSpec* find_ava_spec(std::string_view attribute) {
    for (const auto& spec : ava_specs) {
        if (spec.short_name == attribute || spec.oid == attribute) {
            return &spec;
        }
    }
    return nullptr;
}

std::optional<std::string> normalise_dns_name(std::string_view name, bool allow_wildcard) {
    if (name.empty() || name.size() > max_dns_name) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(name.size());
    std::string_view rest = name;
    if (allow_wildcard && rest.substr(0, 2) == "*.") {
        out = "*.";
        rest.remove_prefix(2);
    }
    size_t labels = 0;
    std::string_view last;
    while (true) {
        const size_t dot = rest.find('.');
        const std::string_view label = rest.substr(0, dot);
        if (!valid_label(label)) {
            return std::nullopt;
        }
        ++labels;
        last = label;
        for (const char c : label) {
            out.push_back(lower(c));
        }
        if (dot == std::string_view::npos) {
            break;
        }
        out.push_back('.');
        rest.remove_prefix(dot + 1);
    }
    // A fully qualified name: two labels at least, a top-level label that is not all digits.
    if (labels < 2 ||
        std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    // RFC 5891 §5: an A-label must be what IDNA 2008 makes of its own U-label.
    if (!valid_a_labels(std::string_view{out}.substr(out.rfind("*.", 0) == 0 ? 2 : 0))) {
        return std::nullopt;
    }
    return out;
}

bool valid_email(std::string_view address) {
    if (address.size() > max_email) {
        return false;
    }
    const size_t at = address.rfind('@');
    if (at == std::string_view::npos || at == 0 || at > max_local_part) {
        return false;
    }
    const std::string_view local = address.substr(0, at);
    constexpr std::string_view atext_extra = "!#$%&'*+/=?^_`{|}~-";
    const bool local_ok = std::all_of(local.begin(), local.end(), [&](char c) {
        return is_alnum(c) || c == '.' || atext_extra.find(c) != std::string_view::npos;
    });
    if (!local_ok || local.front() == '.' || local.back() == '.' ||
        local.find("..") != std::string_view::npos) {
        return false;
    }
    return normalise_dns_name(address.substr(at + 1), false).has_value();
}

void SignRequest::fail(ErrorCode code, std::string_view command, const std::string& why) {
    if (!m_failure) {
        m_failure = refuse(code, std::string{command} + ": " + why);
    }
}

void SignRequest::set_key(Refusable<RequestKey> parsed, std::string_view command) {
    if (m_key_set) {
        fail(ErrorCode::bad_request, command, "a request key was already set");
        return;
    }
    if (!parsed) {
        fail(parsed.error().code, command, parsed.error().message);
        return;
    }
    m_key = std::move(parsed).value();
    m_key_set = true;
}

void SignRequest::set_csr(std::span<const uint8_t> payload) {
    if (active()) {
        set_key(parse_pkcs10(payload), "setCSR");
    }
}

void SignRequest::set_spkac(std::string_view payload) {
    if (active()) {
        set_key(parse_spkac(payload), "setSPKAC");
    }
}

void SignRequest::set_signature_type(std::string_view payload) {
    if (!active()) {
        return;
    }
    if (!m_hash.empty()) {
        fail(ErrorCode::bad_request, "setSignatureType", "sent twice");
    } else if (payload != "sha256" && payload != "sha384" && payload != "sha512") {
        fail(ErrorCode::hash_not_allowed,
             "setSignatureType",
             "unknown hash (sha256, sha384, sha512)");
    } else {
        m_hash = std::string{payload};
    }
}

void SignRequest::set_profile(std::string_view payload) {
    if (!active()) {
        return;
    }
    if (m_profile_set) {
        fail(ErrorCode::bad_request, "setProfile", "profile already set");
    } else if (payload.empty() || payload.size() > 64 ||
               !std::all_of(payload.begin(), payload.end(), [](char c) {
                   return is_alnum(c) || c == '-';
               })) {
        fail(ErrorCode::unknown_profile, "setProfile", "not a profile name");
    } else {
        m_profile = std::string{payload};
        m_profile_set = true;
    }
}

void SignRequest::set_ocsp_target_ca(std::string_view payload) {
    if (!active()) {
        return;
    }
    if (m_profile_set) {
        fail(ErrorCode::bad_request, "ocspTargetCA", "profile already set");
    } else if (payload.empty() || payload.size() > 128 ||
               !std::all_of(payload.begin(), payload.end(), [](char c) {
                   return is_alnum(c) || c == '-' || c == '_';
               })) {
        fail(ErrorCode::unknown_ca, "ocspTargetCA", "not a CA name");
    } else {
        m_profile = "ocsp";
        m_profile_set = true;
        m_ocsp_ca = std::string{payload};
    }
}

void SignRequest::wish_from(std::string_view payload) {
    if (!active()) {
        return;
    }
    const auto parsed = parse_wish_from(payload);
    if (m_from_set) {
        fail(ErrorCode::bad_request, "wishFrom", "sent twice");
    } else if (!parsed) {
        fail(ErrorCode::bad_validity, "wishFrom", "not `now` and not YYYY-MM-DDTHH:MM:SSZ");
    } else {
        m_from = *parsed;
        m_from_set = true;
    }
}

void SignRequest::wish_to(std::string_view payload) {
    if (!active()) {
        return;
    }
    const auto parsed = parse_wish_to(payload);
    if (m_to) {
        fail(ErrorCode::bad_request, "wishTo", "sent twice");
    } else if (!parsed) {
        fail(ErrorCode::bad_validity, "wishTo", "not a UTC time and not a period <n>d|m|y");
    } else {
        m_to = *parsed;
    }
}

void SignRequest::add_san(std::string_view payload) {
    if (!active()) {
        return;
    }
    if (m_sans.size() >= limits::max_sans) {
        fail(ErrorCode::too_many,
             "addSAN",
             "more than " + std::to_string(limits::max_sans) + " SANs");
        return;
    }
    std::string_view value;
    const std::string_view type = trim_command(payload, value);
    if (has_forbidden_char(value)) {
        fail(ErrorCode::san_invalid, "addSAN", "control, bidi or non-UTF-8 character in the value");
        return;
    }
    San san;
    if (type == "DNS") {
        auto name = normalise_dns_name(value, true);
        if (!name) {
            fail(ErrorCode::san_invalid, "addSAN", "not a valid DNS name (A-labels, LDH)");
            return;
        }
        san = San{SanType::dns, std::move(*name)};
    } else if (type == "email") {
        if (!valid_email(value)) {
            fail(ErrorCode::san_invalid, "addSAN", "not a valid email address");
            return;
        }
        san = San{SanType::email, std::string{value}};
    } else {
        fail(ErrorCode::san_not_allowed, "addSAN", "type must be DNS or email");
        return;
    }
    const bool dup = std::any_of(m_sans.begin(), m_sans.end(), [&](const San& s) {
        return s.type == san.type &&
               (s.type == SanType::dns
                    ? s.value == san.value
                    : proof_value_matches(ProofMatch::email, s.value, san.value));
    });
    if (dup) {
        fail(ErrorCode::san_invalid, "addSAN", "duplicate " + san.value);
        return;
    }
    m_sans.push_back(std::move(san));
}

void SignRequest::add_ava(std::string_view payload) {
    if (!active()) {
        return;
    }
    if (m_avas.size() >= limits::max_avas) {
        fail(ErrorCode::too_many,
             "addAVA",
             "more than " + std::to_string(limits::max_avas) + " AVAs");
        return;
    }
    std::string_view value;
    const std::string_view attribute = trim_command(payload, value);
    if (attribute.size() == payload.size()) {
        fail(ErrorCode::bad_request, "addAVA", "needs <attribute>,<value>");
        return;
    }
    const AvaSpec* spec = find_ava_spec(attribute);
    if (spec == nullptr) {
        fail(ErrorCode::ava_not_allowed,
             "addAVA",
             "attribute " + echo_text(attribute, 64) + " not supported");
        return;
    }
    const std::string name{spec->short_name};
    if (!valid_utf8(value)) {
        fail(ErrorCode::bad_request, "addAVA", name + " value is not UTF-8");
        return;
    }
    if (value.empty() || utf8_chars(value) > spec->max_chars) {
        fail(ErrorCode::ava_not_allowed,
             "addAVA",
             name + " value empty or longer than " + std::to_string(spec->max_chars));
        return;
    }
    if (has_forbidden_char(value)) {
        fail(ErrorCode::ava_not_allowed, "addAVA", name + " value has control or bidi characters");
        return;
    }
    if (name == "C" &&
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
        fail(ErrorCode::ava_not_allowed, "addAVA", "C must be two upper-case letters (ISO 3166)");
        return;
    }
    if (name == "emailAddress" && !valid_email(value)) {
        fail(ErrorCode::ava_not_allowed, "addAVA", "emailAddress is not a valid address");
        return;
    }
    if (std::any_of(
            m_avas.begin(), m_avas.end(), [&](const Ava& a) { return a.short_name == name; })) {
        fail(ErrorCode::ava_not_allowed, "addAVA", name + " given twice");
        return;
    }
    m_avas.push_back(Ava{name, std::string{value}});
}

void SignRequest::add_proof_line(std::string_view payload) {
    if (!active()) {
        return;
    }
    if (m_proofs.size() >= limits::max_proof_lines) {
        fail(ErrorCode::too_many,
             "addProofLine",
             "more than " + std::to_string(limits::max_proof_lines) + " proof lines");
        return;
    }
    auto line = parse_proof_line(payload);
    if (!line) {
        // parse_proof_line's messages already name addProofLine.
        if (!m_failure) {
            m_failure = std::move(line).error();
        }
        return;
    }
    m_proofs.push_back(std::move(line).value());
}

Status SignRequest::check_complete() const {
    if (m_failure) {
        return *m_failure;
    }
    if (!m_key_set) {
        return refuse(ErrorCode::bad_request, "sign: no setCSR or setSPKAC");
    }
    if (m_hash.empty()) {
        return refuse(ErrorCode::bad_request, "sign: no setSignatureType");
    }
    if (!m_profile_set) {
        return refuse(ErrorCode::bad_request, "sign: no setProfile or ocspTargetCA");
    }
    return ok_status();
}

Status check_against_profile(const SignRequest& req, const Profile& profile) {
    if (!profile.allows_hash(req.hash())) {
        return refuse(
            ErrorCode::hash_not_allowed,
            "setSignatureType: " + req.hash() + " not allowed by profile " + profile.name);
    }
    for (const auto& san : req.sans()) {
        if (!profile.allows_san(san.type)) {
            return refuse(ErrorCode::san_not_allowed,
                          std::string{"addSAN: "} + (san.type == SanType::dns ? "DNS" : "email") +
                              " not allowed by profile " + profile.name);
        }
        if (san.value.rfind("*.", 0) == 0 && !profile.wildcards) {
            return refuse(
                ErrorCode::san_not_allowed,
                "addSAN: wildcard " + san.value + " not allowed by profile " + profile.name);
        }
    }
    for (const auto& ava : req.avas()) {
        if (!profile.allows_ava(ava.short_name)) {
            return refuse(ErrorCode::ava_not_allowed,
                          "addAVA: " + ava.short_name + " not allowed by profile " + profile.name);
        }
    }
    if (profile.require_san && req.sans().empty()) {
        return refuse(ErrorCode::san_invalid, "addSAN: profile " + profile.name + " needs a SAN");
    }
    return ok_status();
}

namespace {

/** CN equals a SAN of the request: DNS case-insensitively, email with §5.3's email match. */
bool cn_in_sans(const SignRequest& req, const std::string& cn) {
    return std::any_of(req.sans().begin(), req.sans().end(), [&](const San& s) {
        return s.type == SanType::dns ? iequals(s.value, cn)
                                      : proof_value_matches(ProofMatch::email, s.value, cn);
    });
}

/** CN and emailAddress each by their own proof; O, C, ST, L together by one organisations row. */
Status check_ava_proofs(const SignRequest& req,
                        const Profile& profile,
                        SysSeconds now,
                        std::vector<std::string>& log) {
    const auto& proofs = req.proofs();
    RowNeed organisation{"AVA", std::string{proof_tables::organisations}, {}};
    for (const auto& ava : req.avas()) {
        const std::string what = "AVA " + ava.short_name + "," + ava.value;
        if (const auto column = organisation_column(ava.short_name)) {
            organisation.what += " " + ava.short_name + "," + ava.value;
            organisation.fields.emplace_back(*column, ava.value);
            continue;
        }
        ProofNeed need{
            what, std::string{proof_tables::emails}, "address", ava.value, ProofMatch::email};
        if (ava.short_name == "CN") {
            if (cn_in_sans(req, ava.value)) {
                log.push_back("proof " + what + ": equals a proven SAN");
                continue;
            }
            if (!profile.cn_proof_names) {
                return refuse(ErrorCode::proof_missing,
                              "addAVA: CN " + ava.value + " is not among the SANs");
            }
            need.table = proof_tables::names;
            need.column = "name";
            need.match = ProofMatch::exact;
        }
        if (auto st = check_proof(proofs, need, profile, now, log); !st) {
            return st;
        }
    }
    if (organisation.fields.empty()) {
        return ok_status();
    }
    return check_row_proof(proofs, organisation, profile, now, log);
}

}  // namespace

Status check_request_proofs(const SignRequest& req,
                            const Profile& profile,
                            SysSeconds now,
                            std::vector<std::string>& log) {
    const auto& proofs = req.proofs();
    for (const auto& san : req.sans()) {
        ProofNeed need;
        if (san.type == SanType::dns) {
            const bool wildcard = san.value.rfind("*.", 0) == 0;
            need = ProofNeed{"SAN DNS," + san.value,
                             std::string{proof_tables::domains},
                             "name",
                             wildcard ? san.value.substr(2) : san.value,
                             ProofMatch::case_insensitive};
        } else {
            need = ProofNeed{"SAN email," + san.value,
                             std::string{proof_tables::emails},
                             "address",
                             san.value,
                             ProofMatch::email};
        }
        if (auto st = check_proof(proofs, need, profile, now, log); !st) {
            return st;
        }
    }
    return check_ava_proofs(req, profile, now, log);
}

}  // namespace cassiopeia::server
