// Profile loader: Boost.Program_options INI, every key checked, unknown keys refused.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "issuance/profile.hpp"

#include "issuance/key_usage.hpp"

#include <librecord/errors.hpp>

#include <boost/program_options.hpp>

#include <algorithm>
#include <array>
#include <fstream>

namespace cassiopeia::server {

namespace po = boost::program_options;

namespace {

constexpr std::array<std::string_view, 6> known_ekus = {
    "serverAuth", "clientAuth", "codeSigning", "emailProtection", "timeStamping", "OCSPSigning"};
constexpr std::array<std::string_view, 6> known_avas = {"CN", "O", "C", "ST", "L", "emailAddress"};
constexpr std::array<std::string_view, 3> known_hashes = {"sha256", "sha384", "sha512"};

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& why) {
    throw cassiopeia::Error{cassiopeia::ErrorKind::config, "profile " + file.string(), why};
}

std::vector<std::string> split_list(const std::string& s) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= s.size()) {
        const size_t comma = std::min(s.find(',', start), s.size());
        std::string item = s.substr(start, comma - start);
        item.erase(0, item.find_first_not_of(" \t"));
        item.erase(item.find_last_not_of(" \t") + 1);
        if (!item.empty()) {
            out.push_back(std::move(item));
        }
        start = comma + 1;
    }
    return out;
}

template <size_t N>
std::vector<std::string> checked_list(const std::filesystem::path& file,
                                      const std::string& key,
                                      const std::string& value,
                                      const std::array<std::string_view, N>& known) {
    auto items = split_list(value);
    for (const auto& item : items) {
        if (std::find(known.begin(), known.end(), item) == known.end()) {
            fail(file, key + ": unknown value '" + item + "'");
        }
        if (std::count(items.begin(), items.end(), item) != 1) {
            fail(file, key + ": '" + item + "' given twice");
        }
    }
    return items;
}

// `YYYY-MM-DD:<period>` or a bare `<period>` (in force from 1970-01-01).
std::vector<DatedPeriod> dated_list(const std::filesystem::path& file,
                                    const std::string& key,
                                    const std::vector<std::string>& values) {
    std::vector<DatedPeriod> out;
    for (const auto& v : values) {
        std::string_view text{v};
        text.remove_prefix(std::min(text.find_first_not_of(" \t"), text.size()));
        text.remove_suffix(text.size() - std::min(text.find_last_not_of(" \t") + 1, text.size()));
        std::chrono::sys_days from{};
        if (const size_t colon = text.find(':'); colon != std::string_view::npos) {
            const auto d = parse_date(text.substr(0, colon));
            if (!d) {
                fail(file, key + ": bad date in '" + v + "'");
            }
            from = *d;
            text.remove_prefix(colon + 1);
        }
        const auto p = parse_period(text);
        if (!p) {
            fail(file, key + ": bad period in '" + v + "'");
        }
        if (std::any_of(
                out.begin(), out.end(), [&](const DatedPeriod& o) { return o.from == from; })) {
            fail(file, key + ": two values from the same date");
        }
        out.push_back(DatedPeriod{from, *p});
    }
    std::sort(out.begin(), out.end(), [](const DatedPeriod& a, const DatedPeriod& b) {
        return a.from < b.from;
    });
    return out;
}

std::optional<Period> in_force(const std::vector<DatedPeriod>& list, SysSeconds date) {
    std::optional<Period> found;
    for (const auto& d : list) {
        if (SysSeconds{d.from} <= date) {
            found = d.period;
        }
    }
    return found;
}

bool valid_name(std::string_view s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

bool valid_url(const std::string& s) {
    return s.empty() ||
           ((s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0) &&
            std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; }));
}

}  // namespace

bool Profile::allows_san(SanType t) const {
    return std::find(san_types.begin(), san_types.end(), t) != san_types.end();
}

bool Profile::allows_ava(std::string_view short_name) const {
    return std::find(avas.begin(), avas.end(), short_name) != avas.end();
}

bool Profile::allows_hash(std::string_view hash) const {
    return std::find(hashes.begin(), hashes.end(), hash) != hashes.end();
}

std::optional<Period> Profile::cap_at(SysSeconds date) const {
    return in_force(caps, date);
}

std::optional<Period> Profile::proof_age_at(std::string_view table, SysSeconds date) const {
    const auto it = proof_ages.find(table);
    if (it == proof_ages.end()) {
        return std::nullopt;
    }
    return in_force(it->second, date);
}

namespace {

po::options_description profile_options() {
    po::options_description desc;
    auto add = desc.add_options();
    add("family", po::value<std::string>()->required());
    add("key_usage", po::value<std::string>()->default_value(""));
    add("extended_key_usage", po::value<std::string>()->default_value(""));
    add("extended_key_usage_critical", po::value<bool>()->default_value(false));
    add("san_types", po::value<std::string>()->default_value(""));
    add("wildcards", po::value<bool>()->default_value(false));
    add("require_san", po::value<bool>()->default_value(false));
    add("avas", po::value<std::string>()->default_value(""));
    add("cn_proof_names", po::value<bool>()->default_value(false));
    add("hashes", po::value<std::string>()->required());
    add("cap", po::value<std::vector<std::string>>()->required());
    for (const auto table : proof_tables::all) {
        add(("proof_age." + std::string{table}).c_str(), po::value<std::vector<std::string>>());
    }
    add("crl_url", po::value<std::string>()->default_value(""));
    add("ocsp_url", po::value<std::string>()->default_value(""));
    add("ca_issuers_url", po::value<std::string>()->default_value(""));
    add("local_only", po::value<bool>()->default_value(false));
    add("ocsp_nocheck", po::value<bool>()->default_value(false));
    add("basic_constraints_ca", po::value<bool>()->default_value(false));
    add("path_len", po::value<int>()->default_value(-1));

    return desc;
}

po::variables_map read_profile_stream(std::istream& in, const std::filesystem::path& file) {
    const po::options_description desc = profile_options();
    po::variables_map vm;
    try {
        po::store(po::parse_config_file(in, desc, false), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        fail(file, e.what());
    }

    return vm;
}

/** Key usages, SAN types, AVAs and hashes. */
void read_usages(Profile& p, const std::filesystem::path& file, const po::variables_map& vm) {
    p.key_usage =
        checked_list(file, "key_usage", vm["key_usage"].as<std::string>(), key_usage_names);
    if (p.key_usage.empty()) {
        fail(file, "key_usage: at least one usage");
    }
    p.extended_key_usage = checked_list(
        file, "extended_key_usage", vm["extended_key_usage"].as<std::string>(), known_ekus);
    p.eku_critical = vm["extended_key_usage_critical"].as<bool>();
    for (const auto& t : checked_list(file,
                                      "san_types",
                                      vm["san_types"].as<std::string>(),
                                      std::array<std::string_view, 2>{"DNS", "email"})) {
        p.san_types.push_back(t == "DNS" ? SanType::dns : SanType::email);
    }
    p.wildcards = vm["wildcards"].as<bool>();
    p.require_san = vm["require_san"].as<bool>();
    p.avas = checked_list(file, "avas", vm["avas"].as<std::string>(), known_avas);
    p.cn_proof_names = vm["cn_proof_names"].as<bool>();
    p.hashes = checked_list(file, "hashes", vm["hashes"].as<std::string>(), known_hashes);
    if (p.hashes.empty()) {
        fail(file, "hashes: at least one hash");
    }
}

/** Validity caps and proof ages, each a dated list. */
void read_periods(Profile& p, const std::filesystem::path& file, const po::variables_map& vm) {
    p.caps = dated_list(file, "cap", vm["cap"].as<std::vector<std::string>>());
    for (const auto table : proof_tables::all) {
        const std::string key = "proof_age." + std::string{table};
        if (vm.count(key) != 0) {
            p.proof_ages.emplace(std::string{table},
                                 dated_list(file, key, vm[key].as<std::vector<std::string>>()));
        }
    }
}

void read_urls(Profile& p, const std::filesystem::path& file, const po::variables_map& vm) {
    p.crl_url = vm["crl_url"].as<std::string>();
    p.ocsp_url = vm["ocsp_url"].as<std::string>();
    p.ca_issuers_url = vm["ca_issuers_url"].as<std::string>();
    for (const auto* url : {&p.crl_url, &p.ocsp_url, &p.ca_issuers_url}) {
        if (!valid_url(*url)) {
            fail(file, "URLs must be http:// or https:// without spaces: " + *url);
        }
    }
}

/** Where the profile may be used and whether it makes a CA. */
void read_ca_fields(Profile& p, const std::filesystem::path& file, const po::variables_map& vm) {
    p.local_only = vm["local_only"].as<bool>();
    p.ocsp_nocheck = vm["ocsp_nocheck"].as<bool>();
    p.basic_constraints_ca = vm["basic_constraints_ca"].as<bool>();
    p.path_len = vm["path_len"].as<int>();
    if (p.path_len < -1 || p.path_len > 8 || (p.path_len >= 0 && !p.basic_constraints_ca)) {
        fail(file, "path_len: -1 (none), or 0..8 with basic_constraints_ca = true");
    }
    if (p.basic_constraints_ca && !p.local_only) {
        fail(file, "a CA profile must be local_only (docs/protocol.md §5.2)");
    }
}

/** The profile `name` read from `in`; `file` names it in messages. */
Profile read_profile(std::istream& in, const std::filesystem::path& file, std::string name) {
    const po::variables_map vm = read_profile_stream(in, file);
    Profile p;
    p.name = std::move(name);
    if (!valid_name(p.name)) {
        fail(file, "profile name must be lower-case letters, digits and '-'");
    }
    p.family = vm["family"].as<std::string>();
    if (!valid_name(p.family)) {
        fail(file, "family must be lower-case letters, digits and '-'");
    }
    read_usages(p, file, vm);
    read_periods(p, file, vm);
    read_urls(p, file, vm);
    read_ca_fields(p, file, vm);
    return p;
}

}  // namespace

Profile parse_profile(std::istream& in, std::string_view name) {
    return read_profile(in, std::filesystem::path{name}, std::string{name});
}

Profile load_profile(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) {
        fail(file, "cannot open");
    }
    return read_profile(in, file, file.stem().string());
}

ProfileSet ProfileSet::load(const std::filesystem::path& dir) {
    ProfileSet set;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".conf") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        set.add(load_profile(f));
    }
    return set;
}

void ProfileSet::add(Profile p) {
    std::string name = p.name;
    m_profiles.insert_or_assign(std::move(name), std::move(p));
}

const Profile* ProfileSet::find(std::string_view name) const {
    const auto it = m_profiles.find(name);
    return it == m_profiles.end() ? nullptr : &it->second;
}

}  // namespace cassiopeia::server
