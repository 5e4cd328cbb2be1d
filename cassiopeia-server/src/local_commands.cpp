// `check` and `audit-verify`: read the configuration, keys and repository, print a report.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "local_commands.hpp"

#include "privileges.hpp"
#include "repository/repository.hpp"
#include "signing_service.hpp"
#include "status_report.hpp"

#include <cassiopeia/common/exit_code.hpp>
#include <librecord/errors.hpp>
#include <librecord/tls_engine.hpp>

#include <chrono>

namespace cassiopeia::server {

namespace {

const char* validity_note(const TimeCa& ca, SysSeconds now) {
    if (ca.valid_at(now)) {
        return " (valid now)";
    }
    return now < ca.not_before ? " (not yet valid)" : " (expired)";
}

}  // namespace

int run_check(const ServerConfig& config, std::ostream& out) {
    check_key_file_mode(config.tls.key_file);
    const librecord::tls::Credentials creds(config.tls);
    out << "link credentials: ok (" << config.tls.cert_file << ")\n";
    const auto material = SigningMaterial::load(config);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    for (const auto& ca : material.cas->all()) {
        out << "ca " << ca.name << ": " << format_utc(ca.not_before) << " .. "
            << format_utc(ca.not_after) << validity_note(ca, now) << '\n';
    }
    for (const auto& w : ca_warnings(*material.cas, now)) {
        out << "warning: " << w << '\n';
    }
    for (const auto& line : config.lines) {
        out << "line: " << line << '\n';
    }
    out << "repository: " << config.repository << '\n';
    // Each CA the line may not use is an error: the daemon would refuse to start with it.
    for (const auto& fault : material.line_faults) {
        out << "error: " << fault << '\n';
    }
    return material.line_faults.empty() ? exit_code::ok : exit_code::usage;
}

int run_audit_verify(const std::string& repository_folder, std::ostream& out) {
    try {
        Repository repo = Repository::open_read_only(repository_folder);
        const AuditVerdict v = repo.lock().audit().verify();
        if (v.ok) {
            out << "audit log intact: " << v.entries << " entries, head " << v.head << '\n';
            return exit_code::ok;
        }
        if (v.history_mismatch) {
            out << "repository does not match its audit log";
            if (v.first_bad_seq > 0) {
                out << " (seq " << v.first_bad_seq << ")";
            }
            out << ": " << v.reason << '\n';
            return exit_code::failure;
        }
        out << "audit log broken at seq " << v.first_bad_seq << ": " << v.reason << '\n';
        return exit_code::failure;
    } catch (const Error& e) {
        out << "audit log unreadable: " << e.what() << '\n';
        return exit_code::failure;
    }
}

}  // namespace cassiopeia::server
