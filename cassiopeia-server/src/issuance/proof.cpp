// Proof line parsing (percent-decoding of `%25 %2C %3D` only) and §5.3 freshness checks.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/proof.hpp"

#include <librecord/hex.hpp>

#include <algorithm>
#include <array>
#include <cstdint>

namespace cassiopeia::server {

namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return lower(x) == lower(y);
           });
}

// Longest primary key: a PostgreSQL bigint in decimal (docs/protocol.md §8.4).
constexpr size_t max_primary_key_digits = 19;

bool valid_primary_key(std::string_view key) {
    return !key.empty() && key.size() <= max_primary_key_digits &&
           std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/** `text` for the operator's log: printable ASCII as is, every other byte as `\xHH`, so a line
 * break or a control character in a field can never forge or hide a log line. */
std::string printable(std::string_view text) {
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<uint8_t>(c);
        if (u >= 0x20 && u < 0x7F && c != '\\') {
            out.push_back(c);
        } else {
            out += "\\x" + librecord::to_hex(std::array<uint8_t, 1>{u}, librecord::HexCase::lower);
        }
    }
    return out;
}

std::vector<std::string_view> split_commas(std::string_view s) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (true) {
        const size_t comma = s.find(',', start);
        if (comma == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, comma - start));
        start = comma + 1;
    }
}

}  // namespace

std::optional<std::string_view> ProofLine::column(std::string_view name) const {
    for (const auto& [col, value] : columns) {
        if (col == name) {
            return std::string_view{value};
        }
    }
    return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view field) {
    std::string out;
    out.reserve(field.size());
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] != '%') {
            out.push_back(field[i]);
            continue;
        }
        if (field.size() - i < 3) {
            return std::nullopt;
        }
        // §5.3 writes the escapes `%25`, `%2C`, `%3D`: upper case only, one spelling per byte.
        const std::string_view escape = field.substr(i, 3);
        if (escape == "%25") {
            out.push_back('%');
        } else if (escape == "%2C") {
            out.push_back(',');
        } else if (escape == "%3D") {
            out.push_back('=');
        } else {
            return std::nullopt;
        }
        i += 2;
    }
    return out;
}

Refusable<ProofLine> parse_proof_line(std::string_view payload) {
    const auto fields = split_commas(payload);
    if (fields.size() < 4) {
        return refuse(ErrorCode::bad_request,
                      "addProofLine: needs <timestamp>,<table>,<primary key>,<column>=<value>");
    }
    ProofLine line;
    const auto ts = parse_utc(fields[0]);
    if (!ts) {
        return refuse(ErrorCode::bad_request,
                      "addProofLine: timestamp is not YYYY-MM-DDTHH:MM:SSZ");
    }
    line.timestamp = *ts;
    auto table = percent_decode(fields[1]);
    auto key = percent_decode(fields[2]);
    if (!table || !key) {
        return refuse(ErrorCode::bad_request, "addProofLine: bad % escape (only %25 %2C %3D)");
    }
    if (std::find(proof_tables::all.begin(), proof_tables::all.end(), *table) ==
        proof_tables::all.end()) {
        return refuse(ErrorCode::bad_request,
                      "addProofLine: unknown table `" + printable(*table) +
                          "` (emails, domains, organisations, names)");
    }
    if (!valid_primary_key(*key)) {
        return refuse(ErrorCode::bad_request,
                      "addProofLine: primary key `" + printable(*key) + "` of " + *table +
                          " is not a decimal id");
    }
    line.table = std::move(*table);
    line.primary_key = std::move(*key);
    for (size_t i = 3; i < fields.size(); ++i) {
        const std::string_view f = fields[i];
        const size_t eq = f.find('=');
        if (eq == std::string_view::npos || f.find('=', eq + 1) != std::string_view::npos) {
            return refuse(ErrorCode::bad_request, "addProofLine: field must be <column>=<value>");
        }
        auto col = percent_decode(f.substr(0, eq));
        auto value = percent_decode(f.substr(eq + 1));
        if (!col || !value) {
            return refuse(ErrorCode::bad_request, "addProofLine: bad % escape (only %25 %2C %3D)");
        }
        if (col->empty()) {
            return refuse(ErrorCode::bad_request, "addProofLine: empty column name");
        }
        line.columns.emplace_back(std::move(*col), std::move(*value));
    }
    return line;
}

bool proof_value_matches(ProofMatch match, std::string_view proof, std::string_view want) {
    switch (match) {
        case ProofMatch::exact:
            return proof == want;
        case ProofMatch::case_insensitive:
            return iequals(proof, want);
        case ProofMatch::email: {
            const size_t pa = proof.rfind('@');
            const size_t wa = want.rfind('@');
            if (pa == std::string_view::npos || wa == std::string_view::npos) {
                return false;
            }
            return proof.substr(0, pa) == want.substr(0, wa) &&
                   iequals(proof.substr(pa + 1), want.substr(wa + 1));
        }
    }
    return false;
}

namespace {

/** The §5.3 freshness rule over the rows of `table` that `matches` accepts. */
template <typename Matches>
Status find_fresh(const std::vector<ProofLine>& proofs,
                  const std::string& what,
                  const std::string& table,
                  const Profile& profile,
                  SysSeconds now,
                  std::vector<std::string>& log,
                  const Matches& matches) {
    const auto max_age = profile.proof_age_at(table, now);
    if (!max_age) {
        return refuse(ErrorCode::proof_missing,
                      "addProofLine: profile " + profile.name + " accepts no proof from table " +
                          table + " (" + what + ")");
    }
    bool stale = false;
    bool future = false;
    for (const auto& p : proofs) {
        if (p.table != table || !matches(p)) {
            continue;
        }
        if (p.timestamp > now + proof_future_skew) {
            future = true;
            continue;
        }
        if (add_period(p.timestamp, *max_age) < now) {
            stale = true;
            continue;
        }
        log.push_back("proof " + what + ": " + table + " " + p.primary_key + " of " +
                      format_utc(p.timestamp) + " (max age " + format_period(*max_age) + ")");
        return ok_status();
    }
    if (stale) {
        return refuse(ErrorCode::proof_stale,
                      "addProofLine: proof for " + what + " older than " + format_period(*max_age));
    }
    if (future) {
        return refuse(ErrorCode::proof_future,
                      "addProofLine: proof for " + what + " is more than 300 s ahead");
    }
    return refuse(ErrorCode::proof_missing, "addProofLine: no proof for " + what);
}

}  // namespace

Status check_proof(const std::vector<ProofLine>& proofs,
                   const ProofNeed& need,
                   const Profile& profile,
                   SysSeconds now,
                   std::vector<std::string>& log) {
    return find_fresh(proofs, need.what, need.table, profile, now, log, [&](const ProofLine& p) {
        const auto v = p.column(need.column);
        return v && proof_value_matches(need.match, *v, need.value);
    });
}

Status check_row_proof(const std::vector<ProofLine>& proofs,
                       const RowNeed& need,
                       const Profile& profile,
                       SysSeconds now,
                       std::vector<std::string>& log) {
    return find_fresh(proofs, need.what, need.table, profile, now, log, [&](const ProofLine& p) {
        return std::all_of(need.fields.begin(), need.fields.end(), [&](const auto& field) {
            const auto v = p.column(field.first);
            return v && *v == field.second;
        });
    });
}

}  // namespace cassiopeia::server
