// The status report's JSON text (docs/protocol.md §5.7) and the CA expiry warnings.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "status_report.hpp"

#include <librecord/json.hpp>

#include <chrono>
#include <map>
#include <sstream>

namespace cassiopeia::server {

namespace {

using librecord::json_string;

/** `[a, b, ...]` with each element written by `write`. */
template <class T, class Write>
void write_array(std::ostream& out, const std::vector<T>& items, Write write) {
    out << '[';
    const char* sep = "";
    for (const auto& item : items) {
        out << sep;
        write(out, item);
        sep = ", ";
    }
    out << ']';
}

/** `{"store": ...}`: where a key is and whether it can sign (docs/hsm.md). */
void write_key(std::ostream& out, const std::optional<librecord::pkcs11::TokenState>& token) {
    if (!token) {
        out << "{\"store\": \"file\"}";
        return;
    }
    const auto& t = *token;
    out << "{\"store\": \"token\", \"present\": " << (t.present ? "true" : "false")
        << ", \"logged_in\": " << (t.logged_in ? "true" : "false")
        << ", \"label\": " << json_string(t.label) << ", \"serial\": " << json_string(t.serial)
        << ", \"model\": " << json_string(t.model) << ", \"error\": " << json_string(t.error)
        << "}";
}

void write_ca(std::ostream& out, const CaStatus& ca) {
    out << "{\"name\": " << json_string(ca.name)
        << ", \"not_before\": " << json_string(format_utc(ca.not_before))
        << ", \"not_after\": " << json_string(format_utc(ca.not_after));
    if (ca.crl) {
        out << ", \"crl_number\": " << ca.crl->crl_number
            << ", \"this_update\": " << json_string(format_utc(ca.crl->this_update))
            << ", \"next_update\": " << json_string(format_utc(ca.crl->next_update))
            << ", \"revoked\": " << ca.crl->revoked;
    }
    out << ", \"key\": ";
    write_key(out, ca.token);
    out << '}';
}

}  // namespace

std::string to_json(const StatusReport& r) {
    std::ostringstream j;
    j << "{\"version\": " << json_string(r.version) << ", \"protocol\": 1"
      << ", \"time\": " << json_string(format_utc(r.time)) << ", \"uptime_s\": " << r.uptime_s
      << ", \"cas\": ";
    write_array(j, r.cas, write_ca);
    j << ", \"repository\": {\"certificates\": " << r.certificates << ", \"jobs\": " << r.jobs
      << "}, \"audit_head\": " << json_string(r.audit_head) << ", \"audit_seq\": " << r.audit_seq
      << ", \"warnings\": ";
    write_array(
        j, r.warnings, [](std::ostream& out, const std::string& w) { out << json_string(w); });
    j << ", \"link_key\": ";
    write_key(j, r.link_key);
    j << '}';
    return j.str();
}

std::vector<std::string> ca_warnings(const CaStore& cas, SysSeconds now) {
    constexpr auto horizon = std::chrono::days(90);
    std::map<std::string, const TimeCa*> last;
    for (const auto& ca : cas.all()) {
        auto& l = last[ca.parts.family];
        if (l == nullptr || ca.not_after > l->not_after) {
            l = &ca;
        }
    }
    std::vector<std::string> out;
    for (const auto& [family, ca] : last) {
        if (ca->not_after - now < horizon) {
            const auto days = std::chrono::floor<std::chrono::days>(ca->not_after - now).count();
            out.push_back("family " + family + ": its last time CA " + ca->name + " ends " +
                          format_utc(ca->not_after) + " (" + std::to_string(days) +
                          " days): make the next one (new-time-ca)");
        }
    }
    return out;
}

}  // namespace cassiopeia::server
