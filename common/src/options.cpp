// Command line plus config file, shared by both daemons.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "cassiopeia/common/options.hpp"

#include <librecord/errors.hpp>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace cassiopeia::common {

namespace po = boost::program_options;

namespace {

std::string help_text(const CommandLineSpec& spec) {
    po::options_description visible;
    visible.add(spec.generic).add(spec.config);
    if (spec.commands != nullptr) {
        visible.add(*spec.commands);
    }
    std::ostringstream help;
    help << visible << "\nCommands:\n" << spec.commands_help;
    return help.str();
}

/** Why `file` cannot be read as a configuration file; empty when it can. */
std::string unreadable_config(const std::string& file) {
    std::error_code ec;
    const auto st = std::filesystem::status(file, ec);
    if (ec) {
        return ec.message();
    }
    if (std::filesystem::is_directory(st)) {
        return "it is a directory, not a file";
    }
    return {};  // a file, or a pipe such as bash's <(...)
}

/**
 * Stores the file named by --config under the command line's values. A key given on the
 * command line replaces the file's values of that key, also for a repeatable key (`line`):
 * Boost's `composing()` would otherwise add the file's values to the command line's.
 */
void read_config_file(const po::options_description& config, po::variables_map& vm) {
    if (vm.count("config") == 0U) {
        config_error("no configuration file (-c FILE)");
    }
    const auto file = vm["config"].as<std::string>();
    if (const auto why = unreadable_config(file); !why.empty()) {
        config_error("cannot read configuration file " + file + ": " + why);
    }
    std::ifstream in(file);
    if (!in) {
        config_error("cannot read configuration file " + file + ": " +
                     std::error_code(errno, std::generic_category()).message());
    }
    auto parsed = po::parse_config_file(in, config);
    std::erase_if(parsed.options, [&vm](const po::option& o) {
        const auto it = vm.find(o.string_key);
        return it != vm.end() && !it->second.defaulted();
    });
    po::store(parsed, vm);
}

}  // namespace

void config_error(const std::string& what) {
    throw cassiopeia::Error(cassiopeia::ErrorKind::config, "configuration", what);
}

void require_setting(const std::string& value, const char* name) {
    if (value.empty()) {
        config_error(std::string("missing setting '") + name + "'");
    }
}

void add_pkcs11_options(po::options_description& d, librecord::pkcs11::Settings& settings) {
    d.add_options()("pkcs11.module",
                    po::value(&settings.module),
                    "PKCS#11 module of the token (empty: p11-kit's registry)")(
        "pkcs11.pin_file",
        po::value(&settings.pin_file),
        "the token's user PIN (mode 0600; empty: the systemd credential pkcs11-pin)");
}

void configure_tokens(const librecord::pkcs11::Settings& settings,
                      std::initializer_list<std::string_view> key_refs) {
    for (const std::string_view ref : key_refs) {
        if (librecord::pkcs11::is_uri(ref)) {
            librecord::pkcs11::configure(settings);
            return;
        }
    }
}

po::options_description generic_options(const std::string& usage, std::string& config_file) {
    po::options_description generic(usage);
    generic.add_options()("help,h", "show this help")("version", "show the version")(
        "config,c", po::value(&config_file), "configuration file");
    return generic;
}

CommandLine parse_command_line(int argc, const char* const* argv, const CommandLineSpec& spec) {
    CommandLine cl;
    cl.help = help_text(spec);
    po::options_description hidden;
    hidden.add_options()("command", po::value(&cl.words));
    po::positional_options_description pos;
    pos.add("command", -1);
    po::options_description all;
    all.add(spec.generic).add(spec.config).add(hidden);
    if (spec.commands != nullptr) {
        all.add(*spec.commands);
    }
    auto& vm = cl.values;
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
        if (vm.count("help") != 0U) {
            cl.early = Early::help;
            return cl;
        }
        if (vm.count("version") != 0U) {
            cl.early = Early::version;
            return cl;
        }
        // The words reach cl.words only at notify(): read them from the map here.
        const bool no_config_needed =
            !spec.command_without_config.empty() && vm.count("command") != 0U &&
            vm["command"].as<std::vector<std::string>>().front() == spec.command_without_config;
        if (!no_config_needed || vm.count("config") != 0U) {
            read_config_file(spec.config, vm);
        }
        po::notify(vm);
    } catch (const po::error& e) {
        config_error(e.what());
    }
    return cl;
}

}  // namespace cassiopeia::common
