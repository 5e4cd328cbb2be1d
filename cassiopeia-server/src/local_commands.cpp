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
#include <filesystem>
#include <optional>
#include <string>

namespace cassiopeia::server {

namespace {

const char* validity_note(const TimeCa& ca, SysSeconds now) {
    if (ca.valid_at(now)) {
        return " (valid now)";
    }
    return now < ca.not_before ? " (not yet valid)" : " (expired)";
}

/** Where a key is: nothing for a file, else the token's label, serial and whether it signs. */
std::string key_note(const std::optional<librecord::pkcs11::TokenState>& token) {
    if (!token) {
        return {};
    }
    return ", key in token " + token->label + " serial " + token->serial +
           (token->logged_in ? ", signs" : ", fails: " + token->error);
}

}  // namespace

int run_check(const ServerConfig& config, std::ostream& out) {
    check_key_file_mode(config.tls.key_file);
    const librecord::tls::Credentials creds(config.tls);
    creds.check_key();  // a key in a token signs a probe (docs/hsm.md)
    out << "link credentials: ok (" << config.tls.cert_file << key_note(creds.token_state())
        << ")\n";
    const auto material = SigningMaterial::load(config);
    material.cas->check_keys();
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    for (const auto& ca : material.cas->all()) {
        const auto* token = ca.key.token();
        out << "ca " << ca.name << ": " << format_utc(ca.not_before) << " .. "
            << format_utc(ca.not_after) << validity_note(ca, now)
            << key_note(token != nullptr ? std::optional(token->state()) : std::nullopt) << '\n';
    }
    for (const auto& w : ca_warnings(*material.cas, now)) {
        out << "warning: " << w << '\n';
    }
    bool lines_ok = true;
    for (const auto& line : config.lines) {
        out << "line: " << line << '\n';
        std::error_code ec;
        if (!std::filesystem::exists(line, ec)) {
            out << "error: line " << line << ": "
                << (ec ? ec.message() : std::string("no such file or device")) << '\n';
            lines_ok = false;
        }
    }
    out << "repository: " << config.repository << '\n';
    // Each CA the line may not use is an error: the daemon would refuse to start with it.
    for (const auto& fault : material.line_faults) {
        out << "error: " << fault << '\n';
    }
    return material.line_faults.empty() && lines_ok ? exit_code::ok : exit_code::usage;
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
