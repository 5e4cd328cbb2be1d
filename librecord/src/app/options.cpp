// Command line plus config file, shared by both daemons.
// Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
#include "librecord/app/options.hpp"

#include "librecord/errors.hpp"

#include <fstream>

namespace librecord::app {

namespace po = boost::program_options;

void config_error(const std::string& what) {
    throw cassiopeia::Error(cassiopeia::ErrorKind::config, "configuration", what);
}

void require_setting(const std::string& value, const char* name) {
    if (value.empty()) {
        config_error(std::string("missing setting '") + name + "'");
    }
}

Early parse_options(int argc,
                    const char* const* argv,
                    const po::options_description& all,
                    const po::positional_options_description& pos,
                    const po::options_description& conf,
                    po::variables_map& vm) {
    try {
        po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
        if (vm.count("help") != 0U) {
            return Early::help;
        }
        if (vm.count("version") != 0U) {
            return Early::version;
        }
        if (vm.count("config") == 0U) {
            config_error("no configuration file (-c FILE)");
        }
        const auto file = vm["config"].as<std::string>();
        std::ifstream in(file);
        if (!in) {
            config_error("cannot read configuration file " + file);
        }
        po::store(po::parse_config_file(in, conf), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        config_error(e.what());
    }
    return Early::none;
}

}  // namespace librecord::app
