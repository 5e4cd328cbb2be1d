// The signer's status report, read with Boost.PropertyTree's JSON parser.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "status_report.hpp"

#include <librecord/utc.hpp>

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <exception>
#include <sstream>
#include <string_view>
#include <utility>

namespace cassiopeia::client {

namespace pt = boost::property_tree;

namespace {

/**
 * Deepest nesting of `[` and `{` outside strings. PropertyTree's parser recurses once per
 * level, so this bounds its stack before it runs; malformed text is left for it to refuse.
 */
size_t nesting_depth(std::string_view text) {
    size_t depth = 0;
    size_t deepest = 0;
    bool in_string = false;
    bool escaped = false;
    for (const char c : text) {
        if (in_string) {
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

/** A JSON number made of decimal digits only that fits 64 bits; nullopt for anything else. */
std::optional<uint64_t> decimal_of(const std::string& text) {
    uint64_t n = 0;
    // NOLINTNEXTLINE(cppcoreguidelines-pro-bounds-pointer-arithmetic): from_chars takes pointers
    const char* end = text.data() + text.size();
    const auto [p, ec] = std::from_chars(text.data(), end, n);
    return ec == std::errc{} && p == end && !text.empty() ? std::optional{n} : std::nullopt;
}

uint64_t crl_number_of(const std::string& text) {
    return decimal_of(text).value_or(0);
}

/** `audit_seq` and `audit_head`, both well-formed, or nothing. */
std::optional<AuditHead> audit_head_of(const pt::ptree& root) {
    const auto seq = decimal_of(root.get<std::string>("audit_seq", ""));
    std::string hash = root.get<std::string>("audit_head", "");
    const bool hex = hash.size() == 64 && std::all_of(hash.begin(), hash.end(), [](char c) {
                         return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                     });
    if (!seq || *seq > static_cast<uint64_t>(INT64_MAX) || !hex) {
        return std::nullopt;
    }
    return AuditHead{static_cast<int64_t>(*seq), std::move(hash)};
}

/** A `key` object (a CA entry's, or `link_key`); nullopt when absent or of an unknown store. */
std::optional<KeyStatus> key_status_of(const boost::optional<const pt::ptree&>& key) {
    if (!key) {
        return std::nullopt;
    }
    const std::string store = key->get<std::string>("store", "");
    if (store == "file") {
        return KeyStatus{};
    }
    if (store != "token") {
        return std::nullopt;
    }
    KeyStatus k;
    k.in_token = true;
    k.usable = key->get<std::string>("present", "") == "true" &&
               key->get<std::string>("logged_in", "") == "true";
    k.token = key->get<std::string>("label", "");
    k.serial = key->get<std::string>("serial", "");
    return k;
}

StatusReport collect(const pt::ptree& root) {
    StatusReport report;
    const pt::ptree none;
    for (const auto& [key, ca] : root.get_child("cas", none)) {
        CaStatus status;
        status.name = ca.get<std::string>("name", "");
        status.crl_number = crl_number_of(ca.get<std::string>("crl_number", ""));
        status.next_update = librecord::parse_utc(ca.get<std::string>("next_update", ""));
        status.key = key_status_of(ca.get_child_optional("key"));
        if (!status.name.empty() && status.crl_number != 0) {
            report.cas.push_back(std::move(status));
        }
    }
    report.audit = audit_head_of(root);
    report.link_key = key_status_of(root.get_child_optional("link_key"));
    return report;
}

}  // namespace

ParsedStatusReport parse_status_report(std::span<const uint8_t> json) {
    ParsedStatusReport out;
    const std::string text(json.begin(), json.end());
    if (nesting_depth(text) > max_status_report_depth) {
        out.error = "nested deeper than " + std::to_string(max_status_report_depth) + " levels";
        return out;
    }
    try {
        std::istringstream in(text);
        pt::ptree root;
        pt::read_json(in, root);
        out.report = collect(root);
    } catch (const std::exception& e) {
        out.error = e.what();
    }
    return out;
}

namespace {

/** indent_json's state: the text so far, the depth, whether inside a string. */
struct Indenter {
    std::string out;
    size_t depth = 0;
    bool in_string = false;
    bool escaped = false;

    void newline() {
        out += '\n';
        out.append(depth * 4, ' ');
    }

    /** A character inside a string, copied; false once the string has ended. */
    void string_char(char c) {
        out += c;
        in_string = escaped || c != '"';
        escaped = !escaped && c == '\\';
    }

    /** A structural character or a character of a number or literal. */
    void token(char c) {
        if (c == '}' || c == ']') {
            depth = depth > 0 ? depth - 1 : 0;
            newline();
            out += c;
            return;
        }
        out += c;
        if (c == '"') {
            in_string = true;
        } else if (c == ':') {
            out += ' ';
        } else if (c == ',') {
            newline();
        } else if (c == '{' || c == '[') {
            ++depth;
            newline();
        }
    }
};

bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

}  // namespace

std::string indent_json(std::string_view json) {
    Indenter ind;
    for (size_t i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (ind.in_string) {
            ind.string_char(c);
        } else if (is_space(c)) {
            continue;  // the layout is ours
        } else if ((c == '{' && json.substr(i + 1).starts_with('}')) ||
                   (c == '[' && json.substr(i + 1).starts_with(']'))) {
            ind.out += json.substr(i, 2);  // {} and [] stay on their line
            ++i;
        } else {
            ind.token(c);
        }
    }
    return std::move(ind.out);
}

}  // namespace cassiopeia::client
